import Foundation
import GantryTestSupport
import Testing

/// systemd/gantry.service: the settings the deployment relies on, and what
/// `systemd-analyze` thinks of it when it is installed here.
@Suite("systemd unit")
struct UnitFileTests {
    func serviceSettings() throws -> [(key: String, value: String)] { try unitServiceSettings(Paths.unitFile) }

    @Test("has the settings the daemon and the hardening rely on")
    func settings() throws {
        let settings = try serviceSettings()
        func value(_ key: String) -> String? { settings.last { $0.key == key }?.value }
        let expected: [String: String] = [
            "Type": "notify", "NotifyAccess": "main", "Restart": "on-failure", "StateDirectory": "gantry",
            "DynamicUser": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
            "PrivateDevices": "yes", "NoNewPrivileges": "yes", "ProtectKernelTunables": "yes",
            "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
            "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "RestrictNamespaces": "yes",
            "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native",
            "CapabilityBoundingSet": "",
            "ExecStart": "/usr/local/bin/gantry serve --config /etc/gantry/gantry.json",
        ]
        for (key, want) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(value(key) == want, "\(key)=\(value(key) ?? "(unset)")")
        }
        #expect(settings.first { $0.key == "SystemCallFilter" }?.value == "@system-service")
        // The daemon sets its BLAS threads itself; OpenBLAS must not start one per core first.
        let environment = settings.filter { $0.key == "Environment" }.flatMap { $0.value.split(separator: " ").map(String.init) }
        #expect(environment.contains("OPENBLAS_NUM_THREADS=1"), "Environment: \(environment)")

        // The watchdog leaves room for a ping every half period, and the stop
        // timeout covers the graceful shutdown (≤ ~9 s) before systemd SIGKILLs.
        func seconds(_ key: String) throws -> Double {
            let text = try #require(value(key), "\(key) unset")
            let number = try #require(Double(text.hasSuffix("s") ? String(text.dropLast()) : text), "\(key)=\(text)")
            return number
        }
        #expect(try seconds("WatchdogSec") >= 10)
        let stop = try seconds("TimeoutStopSec")
        #expect(stop >= 10 && stop <= 30, "TimeoutStopSec=\(stop)")
    }

    /// The unit with ExecStart at the binary `swift test` built, in a folder of
    /// its own (verify insists that the executable exists).
    func unitForThisMachine() throws -> URL {
        let folder = Paths.temporaryDirectory("unit")
        let text = try String(contentsOf: Paths.unitFile, encoding: .utf8)
            .replacingOccurrences(of: "ExecStart=/usr/local/bin/gantry ", with: "ExecStart=\(Paths.gantry) ")
        let unit = folder.appendingPathComponent("gantry.service")
        try text.write(to: unit, atomically: true, encoding: .utf8)
        return unit
    }

    static let analyzeMissing = "systemd-analyze (apt-get install systemd)"

    @Test("systemd-analyze verify passes", .needs(analyzeMissing, Paths.tool("systemd-analyze") != nil))
    func verify() throws {
        try requireResource(Self.analyzeMissing, Paths.tool("systemd-analyze") != nil)
        let analyze = try #require(Paths.tool("systemd-analyze"))
        let unit = try unitForThisMachine()
        defer { try? FileManager.default.removeItem(at: unit.deletingLastPathComponent()) }
        let (status, output) = try run(analyze, ["verify", "--man=no", unit.path], timeout: 60)
        #expect(status == 0, "systemd-analyze verify: \(output)")
        #expect(!output.contains("gantry.service:"), "systemd-analyze verify warns: \(output)")
    }

    @Test("systemd-analyze security rates it 2.0 or lower", .needs(analyzeMissing, Paths.tool("systemd-analyze") != nil))
    func security() throws {
        try requireResource(Self.analyzeMissing, Paths.tool("systemd-analyze") != nil)
        let analyze = try #require(Paths.tool("systemd-analyze"))
        let (status, output) = try run(analyze, ["security", "--offline=yes", "--no-pager", Paths.unitFile.path], timeout: 60)
        #expect(status == 0, "systemd-analyze security: \(output)")
        let match = try #require(output.firstMatch(of: /Overall exposure level for gantry\.service: (\d+\.\d+)/),
                                 "no overall exposure in: \(output)")
        let exposure = try #require(Double(String(match.1)))
        #expect(exposure <= 2.0, "exposure \(exposure) (want ≤ 2.0):\n\(output)")
    }
}
