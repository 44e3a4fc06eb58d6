import Foundation
import HTTPServer
import MNIST
import Testing
@testable import GantryAPI
@testable import GantryService

/// The one path from JSON to a value, for the config file and job requests alike.
@Suite struct JSONValueDecoderTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String, snakeCase: Bool = false) throws -> T {
        try JSONValueDecoder(convertsSnakeCaseKeys: snakeCase).decode(type, from: JSONValue.parse(Array(json.utf8)))
    }

    /// The refusal's key path and what it says the value must be.
    func refusal<T: Decodable>(_ type: T.Type, _ json: String) -> (path: String, rule: String)? {
        do { _ = try decode(type, json); return nil } catch let error as DecodingError {
            return (error.keyPath, error.readableMessage)
        } catch { return ("", "\(error)") }
    }

    struct Sample: Decodable, Equatable {
        var count: Int
        var ratio: Float
        var port: UInt16
        var names: [String]
        var on: Bool?
    }

    @Test func readsEachKindByItsRule() throws {
        let sample = try decode(Sample.self, #"{"count": -3, "ratio": 2E-3, "port": 65535, "names": ["a", "b"], "on": null}"#)
        #expect(sample == Sample(count: -3, ratio: Float(0.002), port: 65535, names: ["a", "b"], on: nil))
        #expect(try decode([String: [Int]].self, #"{"x": [1, 2], "y": []}"#) == ["x": [1, 2], "y": []])
        // Beyond Int reads as its nearest end, for the field's own range check to refuse.
        #expect(try decode([Int].self, "[12345678901234567890, -12345678901234567890]") == [Int.max, Int.min])
        #expect(try decode([Float].self, "[1e-46, 1e-400]") == [0, 0])
    }

    /// A whole number is its value, however written, as JSON Schema's `integer` reads it.
    @Test func aWholeNumberIsItsValueHoweverWritten() throws {
        #expect(try decode([Int].self, "[3.0, 3e0, 30e-1, 0.3e1, 3.000e+0, -0.0, 0e999999999, 100E-2, -7.00]") == [3, 3, 3, 3, 3, 0, 0, 1, -7])
        #expect(try decode([UInt64].self, "[18446744073709551615.0, 1.8446744073709551615e19, 9007199254740993.0]")
                == [UInt64.max, UInt64.max, 9_007_199_254_740_993])
        #expect(try decode([Int].self, "[1e19, 1e999999999, -1e30]") == [Int.max, Int.max, Int.min], "beyond Int: its nearest end")
        #expect(refusal([UInt64].self, "[1.8446744073709551616e19]")?.rule == "must be a whole number between 0 and \(UInt64.max)")
        for literal in ["3.5", "1e-1", "0.1e0", "9007199254740993.5", "1e-999999999"] {
            #expect(WholeNumberLiteral.canonical(literal) == nil, "\(literal) is not a whole number")
        }
        #expect(WholeNumberLiteral.canonical("0.000e5") == "0" && WholeNumberLiteral.canonical("12.340e2") == "1234")
    }

    @Test(arguments: [
        (#"{"count": 3.5, "ratio": 1, "port": 1, "names": []}"#, "count", "must be a whole number"),
        (#"{"count": 35e-1, "ratio": 1, "port": 1, "names": []}"#, "count", "must be a whole number"),
        (#"{"count": 3.0000000000000000001, "ratio": 1, "port": 1, "names": []}"#, "count", "must be a whole number"),
        (#"{"count": 3, "ratio": 1, "port": 65535.5, "names": []}"#, "port", "must be a whole number between 0 and 65535"),
        (#"{"count": 3, "ratio": 1, "port": 6.5536e4, "names": []}"#, "port", "must be a whole number between 0 and 65535"),
        (#"{"count": "3", "ratio": 1, "port": 1, "names": []}"#, "count", "must be a whole number"),
        (#"{"count": 3, "ratio": 1e400, "port": 1, "names": []}"#, "ratio", "must be a finite number"),
        (#"{"count": 3, "ratio": 1e39, "port": 1, "names": []}"#, "ratio", "must be a finite number"),
        (#"{"count": 3, "ratio": true, "port": 1, "names": []}"#, "ratio", "must be a number"),
        (#"{"count": 3, "ratio": 1, "port": 65536, "names": []}"#, "port", "must be a whole number between 0 and 65535"),
        (#"{"count": 3, "ratio": 1, "port": -1, "names": []}"#, "port", "must be a whole number between 0 and 65535"),
        (#"{"count": 3, "ratio": 1, "port": 1, "names": ["a", 2]}"#, "names.[1]", "must be a string"),
        (#"{"count": 3, "ratio": 1, "port": 1, "names": "a"}"#, "names", "must be a list"),
        (#"{"count": 3, "ratio": 1, "port": 1, "names": [], "on": 1}"#, "on", "must be true or false"),
        (#"{"count": 3, "ratio": 1, "port": 1}"#, "names", "is required"),
        (#"[1]"#, "", "must be an object"),
    ])
    func refusesWithThePathAndTheRule(json: String, path: String, rule: String) {
        let refused = refusal(Sample.self, json)
        #expect(refused?.path == path && refused?.rule == rule, "\(json): \(String(describing: refused))")
    }

    /// `HTTPServer.Limits` keeps its Swift names; the config's snake_case reaches them.
    @Test func snakeCaseKeysReachCamelCaseCodingKeys() throws {
        let limits = try decode(HTTPServer.Limits.self, #"{"max_body_bytes": 7, "linger_seconds": 0.5}"#, snakeCase: true)
        #expect(limits.maxBodyBytes == 7 && limits.lingerSeconds == 0.5 && limits.maxConnections == HTTPServer.Limits().maxConnections)
        #expect(try decode(HTTPServer.Limits.self, #"{"max_body_bytes": 7}"#).maxBodyBytes == HTTPServer.Limits().maxBodyBytes)
    }

    /// Config types refuse what they do not know, naming it where it was written.
    @Test func unknownKeysAreNamed() {
        do {
            _ = try decode(ServiceConfig.self, #"{"download": {"attempts_per_mirorr": 2}}"#, snakeCase: true)
            Issue.record("decoded a misspelt key")
        } catch let error as DecodingError {
            #expect(error.unknownKey == "attempts_per_mirorr" && error.keyPath == "download.attempts_per_mirorr")
        } catch {
            Issue.record("\(error)")
        }
        // camelCase is not a second spelling of a key.
        #expect(refusal(DownloadOptions.self, #"{"attemptsPerMirror": 2}"#)?.path == "attemptsPerMirror")
    }
}
