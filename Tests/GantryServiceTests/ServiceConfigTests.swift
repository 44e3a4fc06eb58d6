import Foundation
import Linalg
import Testing
@testable import GantryService

@Suite struct ServiceConfigTests {
    func write(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-config-\(UUID()).json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func defaultsMatchTheDesign() throws {
        let config = try ServiceConfig.load(path: nil, environment: [:])
        #expect(config.listen.host == "127.0.0.1" && config.listen.port == 8080)
        #expect(config.concurrentJobs == 1 && config.maxQueuedJobs == 64 && config.authTokenFile == nil)
        #expect(Set(config.datasets.keys) == ["mnist", "fashion-mnist", "mnist5k"])
        #expect(config.lanes == .auto)
    }

    @Test func blasThreadsTakeACountOrAuto() throws {
        let path = try write(#"{"blas_threads": "auto"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try ServiceConfig.load(path: path, environment: [:]).lanes == .auto)
        #expect(try ServiceConfig.load(path: path, environment: ["GANTRY_BLAS_THREADS": "2"]).lanes == .fixed(2))
        #expect(try ServiceConfig.load(path: nil, environment: ["GANTRY_BLAS_THREADS": "auto"]).lanes == .auto)
        #expect(throws: ConfigError.self) { try ServiceConfig.load(path: nil, environment: ["GANTRY_BLAS_THREADS": "0"]) }
    }

    @Test func blasCoreFromFileAndEnvironment() throws {
        let path = try write(#"{"blas_core": "skylakex"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try ServiceConfig.load(path: path, environment: [:]).blasCore == .named("SkylakeX"))
        #expect(try ServiceConfig.load(path: path, environment: ["GANTRY_BLAS_CORE": "auto"]).blasCore == .auto)
        #expect(try ServiceConfig.load(path: nil, environment: [:]).blasCore == .auto)
        #expect(throws: ConfigError.self) { try ServiceConfig.load(path: nil, environment: ["GANTRY_BLAS_CORE": "Skylake"]) }
    }

    @Test func theRepositoryConfigFileLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/gantry.json").path
        let config = try ServiceConfig.load(path: path, environment: [:])
        #expect(config == (try ServiceConfig.load(path: nil, environment: [:])))
    }

    @Test func fileThenEnvironment() throws {
        let path = try write(#"{"listen": {"port": 9000}, "concurrent_jobs": 2, "state_dir": "/tmp/x"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ServiceConfig.load(path: path, environment: ["GANTRY_PORT": "9100", "GANTRY_STATE_DIR": "/tmp/y"])
        #expect(config.listen.port == 9100 && config.concurrentJobs == 2 && config.stateDirectory == "/tmp/y")
    }

    @Test(arguments: [
        (#"{"listne": {}}"#, "listne"), (#"{"listen": {"prot": 1}}"#, "listen.prot"), (#"{"concurrent_jobs": 0}"#, "concurrent_jobs"),
        (#"{"blas_threads": "two"}"#, "blas_threads"), (#"{"blas_core": "fast"}"#, "blas_core"), (#"{"limits": {"max_body_bytes": -1}}"#, "limits"), (#"not json"#, "JSON"),
    ])
    func errorsNameTheFileAndTheKey(json: String, key: String) throws {
        let path = try write(json)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try ServiceConfig.load(path: path, environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains(path) && text.contains(key)
        }
    }

    @Test func badEnvironmentValuesAreNamed() {
        #expect { try ServiceConfig.load(path: nil, environment: ["GANTRY_PORT": "99999"]) } throws: { "\($0)".contains("GANTRY_PORT") }
    }

    @Test func aMissingOrUnreadableFileSaysWhich() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-missing-\(UUID()).json").path
        #expect { try ServiceConfig.load(path: missing, environment: [:]) } throws: {
            "\($0)" == "\(missing): no such file (No such file or directory)"
        }
        let folder = FileManager.default.temporaryDirectory.path
        #expect { try ServiceConfig.load(path: folder, environment: [:]) } throws: {
            "\($0)".hasPrefix("\(folder): cannot read the file")
        }
    }
}
