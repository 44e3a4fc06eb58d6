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

    /// A running http-bench-server under the shell's `ulimit` arguments, with its stderr
    /// (the server's log) kept in a file.
    struct BenchServer {
        let process: Process
        let port: UInt16
        let log: URL
        var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        init(ulimit: String) throws {
            log = FileManager.default.temporaryDirectory.appendingPathComponent("bench-server-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit \(ulimit) && exec \"$0\" --port 0", ResourceExhaustionTests.benchServerPath!]
            let stdout = Pipe()
            process.standardOutput = stdout
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            let line = String(decoding: stdout.fileHandleForReading.availableData, as: UTF8.self)
            guard let port = line.split(separator: ":").last.flatMap({ UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
                process.terminate()
                throw TestFailure("no port in \(line)")
            }
            self.port = port
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: log)
        }
    }

    @Test(.needs(benchServerNeed, benchServerPath != nil))
    func aTinyOpenFileLimitCapsConnectionsInsteadOfRunningOut() throws {
        try requireResource(Self.benchServerNeed, Self.benchServerPath != nil)
        // Soft and hard limit both 40: nothing to raise.
        let bench = try BenchServer(ulimit: "-n 40")
        defer { bench.stop() }
        let process = bench.process, port = bench.port

        // The budget it logged at start: the limit of 40 minus what was open and the reserve.
        let cap = try #require(bench.logText.firstMatch(of: /serving at most (\d+) connections/).flatMap { Int($0.1) },
                               "no budget in the log:\n\(bench.logText)")
        #expect(cap < 40 - 32)

        // More connections than the child has descriptors: the kernel completes the
        // handshakes; the server takes each one, and for each new one either closes the
        // oldest idle connection without a word (eviction) or answers 503 at once, so
        // it never holds more than its budget and never runs out.
        let clients = try (0..<60).map { _ in try RawClient(port: port, timeout: 2) }
        var refused = 0, closed = 0, held = 0, other: [String] = []
        for client in clients {
            do {
                if let response = try client.readResponse() {
                    if response.status == 503 && response.errorCode == "too_many_connections" { refused += 1 } else {
                        other.append("\(response.status) \(response.bodyText)")
                    }
                } else {
                    closed += 1
                }
            } catch {
                held += 1 // no answer within 2 s: the server holds it
            }
        }
        #expect(other.isEmpty, "unexpected answers: \(other)")
        #expect(refused + closed + held == 60 && held >= 1 && held <= cap,
                "refused \(refused), closed \(closed), held \(held) of 60 (budget \(cap))")

        // A spinning accept loop would burn a whole core; an idle server uses almost
        // nothing (measured under load: 0.00–0.01 s of CPU in the second).
        guard let before = try? cpuSeconds(of: process.processIdentifier) else { return Self.reportDeath(process) }
        usleep(1_000_000)
        guard let after = try? cpuSeconds(of: process.processIdentifier) else { return Self.reportDeath(process) }
        let used = after - before
        #expect(used < 0.5, "the server used \(used) s of CPU in 1 s at its descriptor budget")

        // With all 60 still connected, a new client is served: it takes an idle slot.
        let response = try? RawClient(port: port, timeout: 5).roundTrip(get("/healthz"))
        withExtendedLifetime(clients) {}
        if !process.isRunning { return Self.reportDeath(process) }
        #expect(response?.status == 200, "\(String(describing: response))")
        #expect(!bench.logText.contains("Too many open files"), "the server ran out of descriptors:\n\(bench.logText)")
    }

    @Test(.needs(benchServerNeed, benchServerPath != nil))
    func theSoftOpenFileLimitIsRaisedToTheHardOne() throws {
        try requireResource(Self.benchServerNeed, Self.benchServerPath != nil)
        // Soft 40, hard 400: at start the server raises its soft limit to 400, so the
        // 60 clients that a limit of 40 would refuse are all served.
        let bench = try BenchServer(ulimit: "-S -n 40 && ulimit -H -n 400")
        defer { bench.stop() }
        let clients = try (0..<60).map { _ in try RawClient(port: bench.port, timeout: 10) }
        var statuses: [Int: Int] = [:]
        for client in clients {
            let status = (try? client.roundTrip(get("/healthz")).status) ?? 0
            statuses[status, default: 0] += 1
        }
        if !bench.process.isRunning { return Self.reportDeath(bench.process) }
        #expect(statuses == [200: 60], "statuses (0: no answer): \(statuses); log:\n\(bench.logText)")
        #expect(bench.logText.contains("open-file limit 400"), "log:\n\(bench.logText)")
    }

    /// Any death of the server is a failure: it must refuse connections before it runs
    /// out of descriptors (libdispatch's Linux worker monitor crashes the process with
    /// SIGILL when it cannot open /proc/TID/stat, so running out is never survivable).
    static func reportDeath(_ process: Process, sourceLocation: SourceLocation = #_sourceLocation) {
        process.waitUntilExit()
        let how = process.terminationReason == .uncaughtSignal ? "signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
        Issue.record("http-bench-server died (\(how)) while out of descriptors", sourceLocation: sourceLocation)
    }

    private func cpuSeconds(of pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the parenthesised command name; utime and stime are 14 and 15.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = Double(fields[11])! + Double(fields[12])!
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
