import Foundation
import GantryTestSupport
#if canImport(Glibc)
import Glibc
#endif

struct DeploymentTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Paths {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let unitFile = repository.appendingPathComponent("systemd/gantry.service")
    static let installScript = repository.appendingPathComponent("scripts/install")
    static let defaultConfig = repository.appendingPathComponent("config/gantry.json")

    static var gantry: String { TestPaths.gantry }

    /// A fresh empty folder (short path: AF_UNIX paths are limited to 107 bytes).
    static func temporaryDirectory(_ label: String) -> URL { TestPaths.temporaryDirectory("deploy-\(label)") }

    /// The first of `names` found as an executable in the usual system folders.
    static func tool(_ name: String) -> String? {
        for folder in ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"] {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

extension Child {
    /// A child without the crash watchdog, logging to `logs/LABEL.stdout|stderr`.
    convenience init(_ executable: String, _ arguments: [String], environment: [String: String], logs: URL, label: String) throws {
        try self.init(label: label, executable: executable, arguments: arguments, environment: environment,
                      logDirectory: logs, watchdog: false)
    }
}

/// Runs a command to completion (bounded), returning its exit status and output.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
         timeout: Double = 60) throws -> (status: Int32, output: String) {
    let logs = Paths.temporaryDirectory("run")
    defer { try? FileManager.default.removeItem(at: logs) }
    let child = try Child(executable, arguments, environment: environment, logs: logs, label: "command")
    defer { child.killNow() }
    guard let exit = child.waitForExit(timeout: timeout) else {
        throw DeploymentTestError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
    }
    let status = switch exit {
    case .exited(let code): code
    case .signalled(let signal): 128 + signal
    }
    return (status, child.stdout + child.stderr)
}

/// An AF_UNIX datagram socket bound where `$NOTIFY_SOCKET` will point: a path, or
/// an abstract name when `address` starts with `@`.
final class NotifySocket {
    let fd: Int32
    let address: String
    private let path: String?

    init(address: String) throws {
        self.address = address
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw DeploymentTestError("socket: errno \(errno)") }
        var sockaddr = sockaddr_un()
        sockaddr.sun_family = sa_family_t(AF_UNIX)
        var name = Array(address.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        guard name.count < MemoryLayout.size(ofValue: sockaddr.sun_path) else {
            close(fd)
            throw DeploymentTestError("socket address too long: \(address)")
        }
        withUnsafeMutableBytes(of: &sockaddr.sun_path) { $0.copyBytes(from: name) }
        // Abstract: exactly the name's bytes, as systemd binds it.
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + name.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &sockaddr) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw DeploymentTestError("bind \(address): errno \(error)")
        }
        self.fd = fd
        path = abstract ? nil : address
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// Every datagram so far, in order.
    private(set) var messages: [String] = []

    /// Receives until `condition` holds over the messages so far, or `timeout`
    /// passes, or `stillRunning` turns false; returns whether `condition` held.
    func receive(until condition: ([String]) -> Bool, timeout: Double, stillRunning: () -> Bool = { true }) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if condition(messages) { return true }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                messages.append(String(decoding: buffer[0..<n], as: UTF8.self))
                continue
            }
            if Date() >= deadline || !stillRunning() { return condition(messages) }
        }
    }

    /// All `KEY=value` lines of every message, in order.
    var lines: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }
}

/// A unit file's `[Service]` assignments, in order (a key may repeat).
func unitServiceSettings(_ unit: URL) throws -> [(key: String, value: String)] {
    var section = ""
    var settings: [(String, String)] = []
    for raw in try String(contentsOf: unit, encoding: .utf8).split(separator: "\n") {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
        if line.hasPrefix("[") { section = line; continue }
        guard section == "[Service]", let equals = line.firstIndex(of: "=") else { continue }
        settings.append((String(line[..<equals]), String(line[line.index(after: equals)...])))
    }
    return settings
}
