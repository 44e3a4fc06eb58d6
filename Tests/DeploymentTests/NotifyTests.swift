import Foundation
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `gantry serve` under a stand-in for systemd: the test binds the datagram
/// socket `$NOTIFY_SOCKET` names and reads what the daemon says.
@Suite("sd_notify")
struct NotifyTests {
    /// Starts the daemon with `NOTIFY_SOCKET=address`, checks READY=1 (after the
    /// listening line), STATUS=, WATCHDOG=1 pings (or none, when `pingsExpected`
    /// is false), then STOPPING=1 after SIGTERM and exit status 0.
    func exercise(address: String, folder: URL, extraEnvironment: [String: String] = [:], pingsExpected: Bool = true) throws {
        let socket = try NotifySocket(address: address)
        var environment = ["NOTIFY_SOCKET": address, "WATCHDOG_USEC": "200000"]
        environment.merge(extraEnvironment) { $1 }
        let child = try Child(Paths.gantry, ["serve", "--port", "0", "--state-dir", folder.appendingPathComponent("state").path],
                              environment: environment, logs: folder, label: "gantry")
        defer { child.killNow() }
        let running = { child.process.isRunning }

        // READY=1, and by then the listening line is on stdout.
        let ready = socket.receive(until: { $0.contains { $0.split(separator: "\n").contains("READY=1") } },
                                   timeout: 20, stillRunning: running)
        try #require(ready, "no READY=1 within 20 s; messages: \(socket.messages)\nstderr:\n\(child.stderr)")
        let listening = try #require(child.stdout.firstMatch(of: /gantry: listening on http:\/\/127\.0\.0\.1:(\d+)/),
                                     "READY=1 came before the listening line; stdout: \(child.stdout)")
        let port = String(listening.1)
        let readyMessage = try #require(socket.messages.first { $0.contains("READY=1") })
        #expect(readyMessage.contains("STATUS=listening on port \(port)"), "READY message: \(readyMessage)")
        #expect(socket.lines.contains { $0.hasPrefix("STATUS=") && $0.count > "STATUS=".count })
        #expect(!socket.lines.contains("STOPPING=1"))

        // WATCHDOG_USEC=200000: a ping every 100 ms, each after the server answered /healthz.
        // Three took 0.30–0.32 s under load.
        if pingsExpected {
            let pinged = socket.receive(until: { $0.filter { $0 == "WATCHDOG=1" }.count >= 3 }, timeout: 5, stillRunning: running)
            #expect(pinged, "fewer than 3 WATCHDOG=1 within 5 s; messages: \(socket.messages)\nstderr:\n\(child.stderr)")
        } else {
            _ = socket.receive(until: { _ in false }, timeout: 0.8, stillRunning: running)
            #expect(!socket.messages.contains("WATCHDOG=1"), "pinged though WATCHDOG_PID names another process")
        }

        // SIGTERM: STOPPING=1, then a clean exit.
        child.signal(SIGTERM)
        let stopping = socket.receive(until: { $0.contains { $0.split(separator: "\n").contains("STOPPING=1") } },
                                      timeout: 12, stillRunning: running)
        #expect(stopping, "no STOPPING=1 after SIGTERM; messages: \(socket.messages)")
        let exit = try #require(child.waitForExit(timeout: 15), "still running 15 s after SIGTERM")
        #expect(exit == .exited(0), "\(exit); stderr:\n\(child.stderr)")
        let stoppingMessage = socket.messages.first { $0.contains("STOPPING=1") } ?? ""
        #expect(stoppingMessage.contains("STATUS=stopping"), "STOPPING message: \(stoppingMessage)")
        // Nothing after STOPPING=1 but watchdog pings and status lines.
        if let index = socket.messages.firstIndex(where: { $0.contains("STOPPING=1") }) {
            let after = socket.messages[(index + 1)...].flatMap { $0.split(separator: "\n") }
            #expect(after.allSatisfy { $0 == "WATCHDOG=1" || $0.hasPrefix("STATUS=") }, "after STOPPING=1: \(after)")
        }
    }

    @Test("socket at a filesystem path")
    func pathSocket() throws {
        let folder = Paths.temporaryDirectory("notify-path")
        defer { try? FileManager.default.removeItem(at: folder) }
        try exercise(address: folder.appendingPathComponent("notify.sock").path, folder: folder)
    }

    @Test("abstract socket name (@…)")
    func abstractSocket() throws {
        let folder = Paths.temporaryDirectory("notify-abstract")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A long name too: its exact length must be used, with no trailing NULs.
        let name = "@gantry-deploy-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-" + String(repeating: "x", count: 40)
        try exercise(address: name, folder: folder)
    }

    @Test("WATCHDOG_PID naming another process: no pings")
    func watchdogForAnotherProcess() throws {
        let folder = Paths.temporaryDirectory("notify-pid")
        defer { try? FileManager.default.removeItem(at: folder) }
        try exercise(address: folder.appendingPathComponent("notify.sock").path, folder: folder,
                     extraEnvironment: ["WATCHDOG_PID": "1"], pingsExpected: false)
    }
}
