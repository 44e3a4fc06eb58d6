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

    /// What each corpus entry is, from reading its bytes (not from running the parser):
    /// a real client's request(s), which must all parse, or a hostile or malformed
    /// input, which must be refused with the status a client would get.
    enum Expected {
        /// Every request parses, with these body lengths, and nothing is left over.
        case parses(bodies: [Int])
        /// `served` requests parse, then the parser refuses with `status`.
        case refused(status: Int, served: Int)
    }

    static let expected: [String: Expected] = [
        "absolute-form.txt": .parses(bodies: [0]),
        "browser.txt": .parses(bodies: [0]),
        "curl-get.txt": .parses(bodies: [0]),
        "curl-post-expect.txt": .parses(bodies: [12]),
        "curl-post-json.txt": .parses(bodies: [27]),
        "http10-keepalive.txt": .parses(bodies: [0]),
        "http10.txt": .parses(bodies: [0]),
        // A leading empty line is skipped (RFC 9112 2.2); obs-text (0x80–0xFF) is allowed in a field value.
        "leading-crlf-obs-text.txt": .parses(bodies: [0]),
        "longpoll.txt": .parses(bodies: [0]),
        "options-star.txt": .parses(bodies: [0]),
        "percent-query.txt": .parses(bodies: [0]),
        "pipelined-bodies.txt": .parses(bodies: [16, 2]),
        "pipelined.txt": .parses(bodies: [0, 0, 0]),
        "wrk-get.txt": .parses(bodies: [0]),
        // Transfer-Encoding without a length: the server takes no chunked bodies (411 Length Required).
        "chunked.txt": .refused(status: 411, served: 0),
        // Line folding is refused, not unfolded (RFC 9112 5.2 allows a 400).
        "obs-fold.txt": .refused(status: 400, served: 0),
        // Request smuggling shapes: refused before the smuggled request is taken.
        "smuggle-cl-te.txt": .refused(status: 400, served: 0),
        "smuggle-two-lengths.txt": .refused(status: 400, served: 0),
        // A fuzzer-found mix: 31 well-formed (if odd) requests, then a line of garbage.
        "pipelined-mix-from-fuzzer.txt": .refused(status: 400, served: 31),
    ]

    @Test func everyCorpusEntryIsClassified() {
        let unclassified = FuzzCorpusTests.seeds.filter { FuzzCorpusTests.expected[$0] == nil }
        #expect(unclassified.isEmpty, "add these corpus entries to FuzzCorpusTests.expected: \(unclassified)")
        let missing = FuzzCorpusTests.expected.keys.filter { !FuzzCorpusTests.seeds.contains($0) }.sorted()
        #expect(missing.isEmpty, "classified but not in the corpus: \(missing)")
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
        let requests = whole.filter { $0.hasPrefix("request ") }
        switch FuzzCorpusTests.expected[name] {
        case .parses(let bodies):
            #expect(whole.last == "needMore", "\(name) should parse to its end: \(whole)")
            #expect(requests.map { Int($0.split(separator: " ").last!) } == bodies, "\(name): \(whole)")
        case .refused(let status, let served):
            #expect(whole.last == "\(status)", "\(name) should be refused with \(status): \(whole)")
            #expect(requests.count == served, "\(name): \(whole)")
        case nil:
            break // reported by everyCorpusEntryIsClassified
        }
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
                results.append("request \(request.method) \(request.pathSegments) \(request.queryItems) \(request.headers.count) \(request.body.count)")
            }
        }
    }
}
