import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
enum Exit: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signalled(let signal): "killed by signal \(signal)"
        }
    }
}

/// Environment for children: ours without anything that would change the
/// daemon's configuration behind the test's back.
func childEnvironment(_ extra: [String: String]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment.filter { key, _ in
        !key.hasPrefix("GANTRY_") && !["STATE_DIRECTORY", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "WATCHDOG_USEC"].contains(key)
    }
    environment.merge(extra) { $1 }
    return environment
}

/// A child process whose stdout and stderr go to files, with bounded waits.
final class Child: @unchecked Sendable {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL
    let label: String
    private var watchdog: Process?

    init(label: String, executable: String, arguments: [String], environment: [String: String], logDirectory: URL) throws {
        self.label = label
        stdoutURL = logDirectory.appendingPathComponent("\(label).stdout")
        stderrURL = logDirectory.appendingPathComponent("\(label).stderr")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = childEnvironment(environment)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        startWatchdog()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    func stderrTail(lines: Int = 40) -> String {
        stderr.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Polls stdout until a line matches `pattern`; throws if the process exits
    /// first or `timeout` passes.
    func waitForLine(matching pattern: String, timeout: Double) throws -> (line: String, groups: [String]) {
        let regex = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = stdout
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let line = String(text[Range(match.range, in: text)!])
                let groups = (1..<match.numberOfRanges).map { i -> String in
                    Range(match.range(at: i), in: text).map { String(text[$0]) } ?? ""
                }
                return (line, groups)
            }
            if !process.isRunning {
                throw HTTPClientError("\(label) exited (\(exitStatus.map(\.description) ?? "?")) before printing /\(pattern)/; stdout: \(text)\nstderr:\n\(stderrTail())")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw HTTPClientError("\(label) printed no line matching /\(pattern)/ within \(timeout) s; stdout: \(stdout)\nstderr:\n\(stderrTail())")
    }

    var exitStatus: Exit? {
        guard !process.isRunning else { return nil }
        switch process.terminationReason {
        case .exit: return .exited(process.terminationStatus)
        case .uncaughtSignal: return .signalled(process.terminationStatus)
        @unknown default: return .exited(process.terminationStatus)
        }
    }

    /// Waits up to `timeout` seconds for the process to end.
    func waitForExit(timeout: Double) -> Exit? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return exitStatus
    }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// SIGTERM, then SIGKILL if it is still there after `grace` seconds.
    @discardableResult
    func stop(grace: Double = 10) -> Exit? {
        signal(SIGTERM)
        if let exit = waitForExit(timeout: grace) { stopWatchdog(); return exit }
        signal(SIGKILL)
        let exit = waitForExit(timeout: 10)
        stopWatchdog()
        return exit
    }

    /// SIGKILL and wait for it.
    @discardableResult
    func killNow() -> Exit? {
        signal(SIGKILL)
        let exit = waitForExit(timeout: 10)
        stopWatchdog()
        return exit
    }

    /// A shell loop that SIGKILLs the child if this test process dies without
    /// stopping it (a crash skips every `defer`). It ends when either is gone.
    private func startWatchdog() {
        let me = getpid(), child = pid
        let dog = Process()
        dog.executableURL = URL(fileURLWithPath: "/bin/sh")
        dog.arguments = ["-c", "while kill -0 \(me) 2>/dev/null && kill -0 \(child) 2>/dev/null; do sleep 1; done; kill -0 \(me) 2>/dev/null || kill -9 \(child) 2>/dev/null; exit 0"]
        dog.standardInput = FileHandle.nullDevice
        dog.standardOutput = FileHandle.nullDevice
        dog.standardError = FileHandle.nullDevice
        if (try? dog.run()) != nil { watchdog = dog }
    }

    private func stopWatchdog() {
        if let dog = watchdog, dog.isRunning {
            kill(dog.processIdentifier, SIGKILL)
            dog.waitUntilExit()
        }
        watchdog = nil
    }
}

/// `python3` serving a folder over HTTP on an ephemeral port, quietly; it exits
/// by itself if the test process goes away.
final class Mirror {
    static let script = #"""
    import functools, http.server, os, sys, threading, time
    folder, parent = sys.argv[1], int(sys.argv[2])
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
    server.daemon_threads = True
    def orphan_watch():
        while os.getppid() == parent: time.sleep(1)
        os._exit(0)
    threading.Thread(target=orphan_watch, daemon=True).start()
    print("serving on port %d" % server.server_address[1], flush=True)
    server.serve_forever()
    """#

    let child: Child
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)/" }

    init(folder: URL, logDirectory: URL) throws {
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? ["/usr/bin/python3"] : ["/usr/bin/env", "python3"]
        child = try Child(label: "mirror", executable: python[0],
                          arguments: Array(python.dropFirst()) + ["-c", Self.script, folder.path, String(getpid())],
                          environment: [:], logDirectory: logDirectory)
        let (_, groups) = try child.waitForLine(matching: #"^serving on port (\d+)$"#, timeout: 20)
        port = Int(groups[0])!
    }

    func stop() { child.killNow() }
}
