import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Environment for children: ours, minus anything that would configure gantry
/// or systemd integration behind the test's back and minus `unset`, plus `extra`.
public func childEnvironment(_ extra: [String: String], unset: Set<String> = []) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment.filter { key, _ in
        !key.hasPrefix("GANTRY_") && !key.hasPrefix("WATCHDOG_") && !unset.contains(key)
            && !["STATE_DIRECTORY", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"].contains(key)
    }
    environment.merge(extra) { $1 }
    return environment
}

/// How a child process ended.
public enum Exit: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signalled(let signal): "killed by signal \(signal)"
        }
    }
}

/// A failure of a `Child` wait.
public struct ChildError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A child process whose stdout and stderr go to files `LABEL.stdout` and
/// `LABEL.stderr` in `logDirectory`, with bounded waits. Unless `watchdog` is
/// false, a watchdog SIGKILLs it if the test process dies first.
public final class Child: @unchecked Sendable {
    public let process = Process()
    public let stdoutURL: URL
    public let stderrURL: URL
    public let label: String
    private var watchdog: Process?

    public init(label: String, executable: String, arguments: [String], environment: [String: String],
                unsetting unset: Set<String> = [], logDirectory: URL, watchdog: Bool = true) throws {
        self.label = label
        stdoutURL = logDirectory.appendingPathComponent("\(label).stdout")
        stderrURL = logDirectory.appendingPathComponent("\(label).stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = childEnvironment(environment, unset: unset)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        if watchdog { startWatchdog() }
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    public func stderrTail(lines: Int = 40) -> String {
        stderr.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Polls stdout until a line matches `pattern`; throws if the process exits
    /// first or `timeout` passes.
    public func waitForLine(matching pattern: String, timeout: Double) throws -> (line: String, groups: [String]) {
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
                throw ChildError("\(label) exited (\(exitStatus.map(\.description) ?? "?")) before printing /\(pattern)/; stdout: \(text)\nstderr:\n\(stderrTail())")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw ChildError("\(label) printed no line matching /\(pattern)/ within \(timeout) s; stdout: \(stdout)\nstderr:\n\(stderrTail())")
    }

    public var exitStatus: Exit? {
        guard !process.isRunning else { return nil }
        switch process.terminationReason {
        case .exit: return .exited(process.terminationStatus)
        case .uncaughtSignal: return .signalled(process.terminationStatus)
        @unknown default: return .exited(process.terminationStatus)
        }
    }

    /// Waits up to `timeout` seconds for the process to end; nil if still running.
    public func waitForExit(timeout: Double) -> Exit? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return exitStatus
    }

    public func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// SIGTERM, then SIGKILL if it is still there after `grace` seconds.
    @discardableResult
    public func stop(grace: Double = 10) -> Exit? {
        signal(SIGTERM)
        if let exit = waitForExit(timeout: grace) { stopWatchdog(); return exit }
        return killNow()
    }

    /// SIGKILL (if still running) and wait for it; safe to call from `defer`.
    @discardableResult
    public func killNow() -> Exit? {
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
