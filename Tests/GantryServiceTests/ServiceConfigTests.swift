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

    /// The store is SQLite unless the file or `GANTRY_STORE_URL` names a PostgreSQL
    /// database; the URL may live in the environment only, and the node's name
    /// defaults to the host and port.
    @Test func storeFromFileAndEnvironment() throws {
        #expect(try ServiceConfig.load(path: nil, environment: [:]).store == .sqlite)
        let url = "postgres://gantry:secret@db:5432/gantry?sslmode=require"
        #expect(try ServiceConfig.load(path: nil, environment: ["GANTRY_STORE_URL": url]).store == .postgres(url: url))
        let path = try write(#"{"store": {"kind": "postgres"}, "node": "n1", "lease_seconds": 4.5}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ServiceConfig.load(path: path, environment: ["GANTRY_STORE_URL": url])
        #expect(config.store == .postgres(url: url) && config.nodeName == "n1" && config.leaseSeconds == 4.5)
        #expect(config.store.redacted == "postgres://gantry:***@db:5432/gantry?sslmode=require")
        #expect(try ServiceConfig.load(path: nil, environment: ["GANTRY_PORT": "9001"]).nodeName.hasSuffix(":9001"))
        #expect(try ServiceConfig.load(path: nil, environment: ["GANTRY_NODE": "n2"]).nodeName == "n2")
    }

    @Test func theRepositoryConfigFileLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/gantry.json").path
        let config = try ServiceConfig.load(path: path, environment: [:])
        #expect(config == (try ServiceConfig.load(path: nil, environment: [:])))
    }

    @Test func fileThenEnvironment() throws {
        let path = try write(#"{"listen": {"port": 9000}, "concurrent_jobs": 2, "state_dir": "/tmp/x", "retain_finished_jobs": 500}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ServiceConfig.load(path: path, environment: ["GANTRY_PORT": "9100", "GANTRY_STATE_DIR": "/tmp/y"])
        #expect(config.listen.port == 9100 && config.concurrentJobs == 2 && config.stateDirectory == "/tmp/y")
        #expect(config.retainFinishedJobs == 500 && ServiceConfig().retainFinishedJobs == nil)
        #expect(ServiceConfig().diskBudgetBytes == 1 << 30)
        let budget = try write(#"{"disk_budget_bytes": 5368709120}"#)
        defer { try? FileManager.default.removeItem(atPath: budget) }
        #expect(try ServiceConfig.load(path: budget, environment: [:]).diskBudgetBytes == 5 << 30)
    }

    /// `null` is "the default" for every key, in every section: a file that names each
    /// key with `null` reads as an empty file does, whatever the environment holds.
    @Test func nullMeansTheDefaultForEveryKey() throws {
        func nulls(_ keys: [String]) -> String { "{" + keys.map { "\"\($0)\": null" }.joined(separator: ", ") + "}" }
        let sections = ["listen": nulls(["host", "port"]),
                        "limits": nulls(["max_request_line_bytes", "max_header_bytes", "max_header_count", "max_body_bytes", "max_connections",
                                         "head_timeout_seconds", "idle_timeout_seconds", "body_timeout_seconds", "write_timeout_seconds",
                                         "max_output_buffer_bytes", "linger_seconds"]),
                        "download": nulls(["connect_timeout_seconds", "low_speed_limit_bytes_per_second", "low_speed_time_seconds",
                                           "attempts_per_mirror", "retry_base_delay_seconds", "retry_max_delay_seconds"])]
        let everyKeyNull = "{" + ServiceConfig.keys.map { "\"\($0)\": null" }.joined(separator: ", ") + "}"
        let nestedNulls = "{" + sections.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        let empty = try write("{}")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        for environment in [[:], ["STATE_DIRECTORY": "/var/lib/gantry:/var/lib/other"], ["GANTRY_STATE_DIR": "/srv/g", "STATE_DIRECTORY": "/var/lib/gantry"]] {
            let defaults = try ServiceConfig.load(path: empty, environment: environment)
            for json in [everyKeyNull, nestedNulls] {
                let path = try write(json)
                defer { try? FileManager.default.removeItem(atPath: path) }
                #expect(try ServiceConfig.load(path: path, environment: environment) == defaults, "\(json) under \(environment)")
            }
        }
    }

    /// `state_dir`: systemd's `STATE_DIRECTORY` (its first folder) is the default, which
    /// the file overrides, then `GANTRY_STATE_DIR` (and `--state-dir`, in the command).
    @Test func stateDirectoryPrecedence() throws {
        let systemd = ["STATE_DIRECTORY": "/var/lib/gantry:/var/lib/extra"]
        #expect(try ServiceConfig.load(path: nil, environment: [:]).stateDirectory == "state")
        #expect(try ServiceConfig.load(path: nil, environment: systemd).stateDirectory == "/var/lib/gantry")
        let null = try write(#"{"state_dir": null}"#)
        defer { try? FileManager.default.removeItem(atPath: null) }
        #expect(try ServiceConfig.load(path: null, environment: systemd).stateDirectory == "/var/lib/gantry")
        let named = try write(#"{"state_dir": "/srv/file"}"#)
        defer { try? FileManager.default.removeItem(atPath: named) }
        #expect(try ServiceConfig.load(path: named, environment: systemd).stateDirectory == "/srv/file")
        #expect(try ServiceConfig.load(path: named, environment: systemd.merging(["GANTRY_STATE_DIR": "/srv/env"]) { $1 }).stateDirectory == "/srv/env")
    }

    @Test(arguments: [
        (#"{"listne": {}}"#, "listne"), (#"{"listen": {"prot": 1}}"#, "listen.prot"), (#"{"concurrent_jobs": 0}"#, "concurrent_jobs"),
        (#"{"store": {"kind": "mysql"}}"#, "store.kind"), (#"{"store": {"kind": "postgres"}}"#, "store.url"),
        (#"{"store": {"kind": "postgres", "url": "mysql://x"}}"#, "store.url"), (#"{"store": {"kind": "sqlite", "url": "postgres://x"}}"#, "store.url"),
        (#"{"lease_seconds": 0}"#, "lease_seconds"), (#"{"node": ""}"#, "node"), (#"{"retain_finished_jobs": 0}"#, "retain_finished_jobs"),
        (#"{"disk_budget_bytes": 1000}"#, "disk_budget_bytes"),
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
