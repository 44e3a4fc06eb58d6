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

    @Test(arguments: [
        (#"{"count": 3.0, "ratio": 1, "port": 1, "names": []}"#, "count", "must be a whole number"),
        (#"{"count": 3e0, "ratio": 1, "port": 1, "names": []}"#, "count", "must be a whole number"),
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
