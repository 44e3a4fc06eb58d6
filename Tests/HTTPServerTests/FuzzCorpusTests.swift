import Foundation
import Testing
@testable import HTTPServer

/// Replays fuzz/http-parser/seeds (real requests, plus every input the fuzzer
/// ever crashed on, kept there as regressions) through the fuzz target's
/// main check: whole or split into pieces, the parser reaches the same outcome.
@Suite("Fuzz corpus")
struct FuzzCorpusTests {
    static let seedDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/http-parser/seeds")

    static var seeds: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: seedDirectory.path)) ?? []).sorted()
    }

    @Test func theCorpusIsThere() {
        #expect(FuzzCorpusTests.seeds.count >= 10)
    }

    @Test(arguments: FuzzCorpusTests.seeds)
    func splittingNeverChangesTheOutcome(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: FuzzCorpusTests.seedDirectory.appendingPathComponent(name)))
        let limits = defaultParserLimits
        let whole = outcomes(bytes, limits: limits, chunk: bytes.count)
        for chunk in [1, 2, 3, 7, 64] {
            #expect(outcomes(bytes, limits: limits, chunk: chunk) == whole, "\(name) in \(chunk)-byte pieces")
        }
        // The real requests in the corpus parse; the hostile ones are refused.
        #expect(!whole.isEmpty)
    }

    /// Every request in `bytes` (pipelined), fed `chunk` bytes at a time.
    func outcomes(_ bytes: [UInt8], limits: RequestParser.Limits, chunk: Int) -> [String] {
        var results: [String] = []
        var parser = RequestParser(limits: limits)
        var start = 0
        var available = min(chunk, bytes.count)
        while true {
            let step = bytes.withUnsafeBufferPointer { parser.parse(UnsafeBufferPointer(rebasing: $0[start..<available])) }
            switch step {
            case .needMore:
                if available == bytes.count { return results + ["needMore"] }
                available = min(bytes.count, available + chunk)
            case .failure(let error):
                return results + ["\(error.status.code)"]
            case .request(let request, let consumed):
                precondition(consumed > 0)
                start += consumed
                available = max(available, start)
                parser.reset()
                results.append("\(request.method) \(request.pathSegments) \(request.queryItems) \(request.headers.count) \(request.body.count)")
            }
        }
    }
}
