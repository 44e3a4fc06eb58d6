import Foundation
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs `http-bench-server` (built with the tests) in a child process whose
/// open-file limit is tiny, so "too many open files" happens there and not in
/// the test process, where other suites run in parallel.
@Suite("Resource exhaustion")
struct ResourceExhaustionTests {
    static var benchServerPath: String? {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("http-bench-server").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static let benchServerNeed = "http-bench-server built next to the tests (swift build --build-tests, as .ci/run does)"

    @Test(.needs(benchServerNeed, benchServerPath != nil))
    func aTinyOpenFileLimitCapsConnectionsInsteadOfRunningOut() throws {
        try requireResource(Self.benchServerNeed, Self.benchServerPath != nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -n 40 && exec \"$0\" --port 0", ResourceExhaustionTests.benchServerPath!]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let line = String(decoding: stdout.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(line.split(separator: ":").last.flatMap { UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines)) },
                                "no port in \(line)")

        // More connections than the child has descriptors: the kernel completes the
        // handshakes; the server holds as many as its limit leaves room for (it keeps
        // descriptors in reserve: running out crashes libdispatch's worker monitor) and
        // answers the rest 503 at once.
        var clients: [RawClient] = []
        for _ in 0..<60 { clients.append(try RawClient(port: port, timeout: 2)) }
        usleep(300_000)
        let refused = clients.compactMap { try? $0.readResponse() }.filter { $0.status == 503 && $0.bodyText.contains("too_many_connections") }
        #expect(refused.count >= 40, "only \(refused.count) of 60 clients heard 503 too_many_connections")

        // A spinning accept loop would burn a whole core; backing off uses almost nothing
        // (measured under load: 0.00–0.01 s of CPU in the second).
        guard let before = try? cpuSeconds(of: process.processIdentifier) else { return Self.reportDeath(process) }
        usleep(1_000_000)
        guard let after = try? cpuSeconds(of: process.processIdentifier) else { return Self.reportDeath(process) }
        let used = after - before
        #expect(used < 0.5, "the server used \(used) s of CPU in 1 s while out of descriptors")

        // Freeing descriptors lets it recover and serve.
        clients.removeAll()
        var served = false
        for _ in 0..<50 where !served {
            if let client = try? RawClient(port: port, timeout: 2),
               let response = try? client.roundTrip(get("/healthz")), response.status == 200 {
                served = true
            } else {
                usleep(100_000)
            }
        }
        if !served && !process.isRunning { return Self.reportDeath(process) }
        #expect(served)
    }

    /// The server died while out of descriptors. Killed by SIGILL, it is a known product
    /// bug, not this test's: libdispatch's Linux worker-pool monitor opens /proc/TID/stat
    /// for each worker and crashes (DISPATCH_CLIENT_CRASH, "workq: registered worker exited
    /// prematurely") when that open fails, as it does with EMFILE. It happens when the
    /// monitor runs while the process has no descriptor left and work is queued: about 1
    /// run in 10 on a loaded machine, never seen idle. Any other death is a failure.
    static func reportDeath(_ process: Process, sourceLocation: SourceLocation = #_sourceLocation) {
        process.waitUntilExit()
        let how = process.terminationReason == .uncaughtSignal ? "signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
        withKnownIssue("libdispatch crashes a process that runs out of descriptors while its worker monitor runs",
                       isIntermittent: true) {
            Issue.record("http-bench-server died (\(how)) while out of descriptors", sourceLocation: sourceLocation)
        } matching: { _ in
            process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGILL
        }
    }

    private func cpuSeconds(of pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the parenthesised command name; utime and stime are 14 and 15.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = Double(fields[11])! + Double(fields[12])!
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
