import Foundation
import GantryTestSupport
import Testing
@testable import MNIST

/// The checksum every download and import is verified with, against oracles outside
/// the code: the fixture's published SHA256SUMS and coreutils' `sha256sum`.
@Suite("File SHA-256")
struct FileSHA256Tests {
    @Test("mnist5k's files hash to the sums published beside them")
    func publishedSums() throws {
        let text = try String(contentsOfFile: TestPaths.mnist5k + "/SHA256SUMS", encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(lines.count == 4)
        for fields in lines {
            #expect(try FileSHA256.hex(ofFileAt: TestPaths.mnist5k + "/" + fields[1]) == String(fields[0]), "\(fields[1])")
        }
    }

    @Test("an empty file and a file of several read chunks hash as sha256sum says")
    func agreesWithCoreutils() throws {
        let folder = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(folder) }
        var generator = SplitMix64(seed: 7)
        for (name, count) in [("empty", 0), ("one", 1), ("big", 3 * 1024 * 1024 + 17)] {
            let path = folder + "/" + name
            try Data((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }).write(to: URL(fileURLWithPath: path))
            #expect(try FileSHA256.hex(ofFileAt: path) == sha256sum(path), "\(name): \(count) bytes")
        }
        // SHA-256 of no bytes, from FIPS 180-4's examples.
        #expect(try sha256sum(folder + "/empty") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
