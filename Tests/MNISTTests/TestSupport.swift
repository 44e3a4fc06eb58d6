import Foundation
import Testing
@testable import MNIST

/// Paths the tests need, found from this file so they hold in any checkout; the
/// test data is the repository's own `fixtures/mnist5k`.
enum TestPaths {
    static let testsFolder = (#filePath as NSString).deletingLastPathComponent
    static let repository = ((testsFolder as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
    static let mnist5k = ((repository as NSString).appendingPathComponent("fixtures/mnist5k") as NSString).standardizingPath
    static let faultServer = (repository as NSString).appendingPathComponent("scripts/fault_server.py")
    static let defaultConfig = (repository as NSString).appendingPathComponent("config/gantry.json")
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"

    /// A fresh empty folder; the caller removes it.
    static func temporaryDirectory() -> String {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("gantry-mnist-XXXXXX").utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        return path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A fault server and an empty state folder: what nearly every download test starts with.
/// The caller stops the one and removes the other.
func serverAndState() throws -> (FaultServer, String) {
    (try FaultServer(), TestPaths.temporaryDirectory())
}

/// A dataset entry for a folder in MNIST layout. Sizes come from the file system and
/// checksums from the folder's SHA256SUMS when it has one (fixtures/mnist5k's is the
/// published list), else from coreutils' `sha256sum`: never from the code under test.
func localSpec(folder: String = TestPaths.mnist5k, baseURLs: [String]) throws -> DatasetSpec {
    var sums: [String: String] = [:]
    if let text = try? String(contentsOfFile: (folder as NSString).appendingPathComponent("SHA256SUMS"), encoding: .utf8) {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count == 2 { sums[String(fields[1])] = String(fields[0]) }
        }
    }
    func file(_ name: String) throws -> DatasetFile {
        let path = (folder as NSString).appendingPathComponent(name)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, "no size for \(path)")
        let sha = try sums[name] ?? sha256sum(path)
        return DatasetFile(name: name, sha256: sha, size: size)
    }
    return DatasetSpec(baseURLs: baseURLs, files: DatasetFiles(
        trainImages: try file("train-images-idx3-ubyte.gz"), trainLabels: try file("train-labels-idx1-ubyte.gz"),
        testImages: try file("t10k-images-idx3-ubyte.gz"), testLabels: try file("t10k-labels-idx1-ubyte.gz")))
}

/// The SHA-256 of a file as coreutils' `sha256sum` computes it.
func sha256sum(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let digest = String(text.prefix { $0 != " " })
    try #require(process.terminationStatus == 0 && digest.count == 64, "sha256sum \(path): \(text)")
    return digest
}

/// A loopback port nothing listens on: bound once by the kernel, then released.
    func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(fd, raw, length) == 0, getsockname(fd, raw, &length) == 0 else { throw CacheFileError("bind failed") }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

/// Options that keep the fault tests fast: tiny backoff, a 1 s low-speed window.
let fastOptions = DownloadOptions(connectTimeoutSeconds: 2, lowSpeedLimitBytesPerSecond: 1000, lowSpeedTimeSeconds: 1,
                                  attemptsPerMirror: 2, retryBaseDelaySeconds: 0.01, retryMaxDelaySeconds: 0.05)

/// Collects events from any thread.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [DownloadEvent] = []

    var record: @Sendable (DownloadEvent) -> Void {
        { [self] event in
            lock.lock()
            stored.append(event)
            lock.unlock()
        }
    }

    var events: [DownloadEvent] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

/// `fault_server.py` running for one test, on a kernel-chosen loopback port.
final class FaultServer: @unchecked Sendable {
    struct Request: Decodable, Equatable {
        let path: String
        let range: String?
        let status: Int
    }

    let port: Int
    let logPath: String
    private let process = Process()
    private let input = Pipe()

    init(root: String = TestPaths.mnist5k) throws {
        logPath = TestPaths.temporaryDirectory() + "/requests.jsonl"
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestPaths.faultServer, "--root", root, "--log", logPath]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw CacheFileError("fault server did not start: \(text)")
        }
        self.port = port
    }

    /// Base URL whose files get behaviour `mode` (see fault_server.py).
    func base(_ mode: String) -> String { "http://127.0.0.1:\(port)/\(mode)/" }

    var requests: [Request] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    func requests(for file: String) -> [Request] { requests.filter { $0.path.hasSuffix("/" + file) } }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        TestPaths.remove((logPath as NSString).deletingLastPathComponent)
    }
}

/// Gzips bytes with the system's gzip, so tests check our inflate against an independent deflate.
func gzip(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
    let folder = TestPaths.temporaryDirectory()
    defer { TestPaths.remove(folder) }
    let path = folder + "/data"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-\(level)", "-n", path]
    try process.run()
    process.waitUntilExit()
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
}

/// An IDX header: magic with element type 0x08 and rank, then dimensions.
func idxHeader(rank: UInt8, dimensions: [UInt32], type: UInt8 = 0x08) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, rank]
    for d in dimensions { bytes += [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return bytes
}

/// `count` 28x28 images whose pixels are a simple function of position.
func syntheticImages(_ count: Int) -> [UInt8] {
    idxHeader(rank: 3, dimensions: [UInt32(count), 28, 28]) + (0..<(count * 784)).map { UInt8(truncatingIfNeeded: $0 * 7) }
}

func syntheticLabels(_ count: Int) -> [UInt8] {
    idxHeader(rank: 1, dimensions: [UInt32(count)]) + (0..<count).map { UInt8($0 % 10) }
}

func readBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
