import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `sd_notify` without libsystemd: datagrams to `$NOTIFY_SOCKET` (a path, or an
/// abstract name when it starts with `@`). Does nothing outside systemd.
final class SystemdNotifier: @unchecked Sendable {
    // @unchecked: its mutable state is only touched under its lock or on its timer's queue.
    private let socketPath: String?
    private let watchdogMicroseconds: UInt64?
    private let queue = DispatchQueue(label: "gantry.watchdog")
    private let lock = NSLock()
    private var isStopping = false // guarded by `lock`
    private var probeFailing = false // touched only on `queue`

    init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        // As sd_watchdog_enabled(): no WATCHDOG_PID means "this process"; one that
        // names another process (or is not a number) means the watchdog is not ours.
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogMicroseconds = pidMatches ? environment["WATCHDOG_USEC"].flatMap(UInt64.init) : nil
    }

    /// `STATUS=` for `systemctl status`: one line (a newline would end the field).
    func status(_ text: String) {
        send("STATUS=" + Self.oneLine(text))
    }

    /// `STOPPING=1`; from here on the watchdog pings without probing the server,
    /// which is shutting down on purpose.
    func stopping(_ text: String) {
        lock.lock()
        isStopping = true
        lock.unlock()
        send("STOPPING=1\nSTATUS=" + Self.oneLine(text))
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    func send(_ message: String) {
        guard let socketPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(socketPath.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 } // Linux abstract namespace: a leading NUL, no terminator.
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard name.count + (abstract ? 0 : 1) <= capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: name)
        }
        // The length covers the family and exactly the name: for an abstract name,
        // every byte counts (trailing NULs would be part of it); a path adds its NUL.
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + name.count + (abstract ? 0 : 1))
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length) }
            }
        }
    }

    /// Pings at half the watchdog interval, from a timer on a queue of our own, but
    /// only after `isHealthy` said yes (the caller asks its own HTTP server for
    /// `/healthz`): a server that stops answering misses its pings, and systemd
    /// restarts it. `log` hears when the probe starts and stops failing.
    /// The caller keeps the returned timer alive for as long as the pings should go on.
    func startWatchdog(isHealthy: @escaping @Sendable (_ timeout: Double) -> Bool,
                       log: @escaping @Sendable (String) -> Void) -> (any DispatchSourceTimer)? {
        guard socketPath != nil, let interval = watchdogMicroseconds, interval > 0 else { return nil }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let periodMicroseconds = max(interval / 2, 1)
        let period = DispatchTimeInterval.microseconds(Int(clamping: periodMicroseconds))
        // The probe must finish well inside one period, so a slow answer costs at
        // most one ping and two in a row cost the process.
        let probeTimeout = min(5.0, Double(periodMicroseconds) / 2e6)
        timer.schedule(deadline: .now() + period, repeating: period)
        timer.setEventHandler { [self] in
            lock.lock()
            let stopping = isStopping
            lock.unlock()
            if stopping {
                send("WATCHDOG=1")
                return
            }
            if isHealthy(probeTimeout) {
                if probeFailing { log("watchdog: the server answers /healthz again") }
                probeFailing = false
                send("WATCHDOG=1")
            } else if !probeFailing {
                probeFailing = true
                log("watchdog: the server did not answer /healthz within \(probeTimeout) s; withholding WATCHDOG=1")
            }
        }
        timer.resume()
        return timer
    }
}

/// `GET /healthz` over loopback to our own listening socket, with a deadline:
/// true when an HTTP status line comes back in time. A wildcard listen address
/// is probed on the matching loopback address.
enum HealthProbe {
    static func check(host: String, port: UInt16, timeout: Double) -> Bool {
        let target = switch host {
        case "", "0.0.0.0", "*": "127.0.0.1"
        case "::", "[::]": "::1"
        default: host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(target, String(port), &hints, &list) == 0, let info = list else { return false }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // Blocking socket with send/receive timeouts (Linux applies the send timeout to connect too).
        let microseconds = max(1000, Int(timeout * 1e6))
        var limit = timeval(tv_sec: .init(microseconds / 1_000_000), tv_usec: .init(microseconds % 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Date().addingTimeInterval(timeout)
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else { return false }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nUser-Agent: gantry-watchdog\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return false }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        // The whole answer (the server closes after it): a few hundred bytes.
        while answer.count < 4096 && Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        return Self.isHealthy(answer)
    }

    /// Any status line will do, unless the daemon itself says its job API is stuck
    /// (`"status":"unavailable"`, a scheduler or store that does not answer). A 503 for
    /// too many connections still counts, so a client flooding the server with
    /// connections cannot get it restarted (and its training interrupted).
    static func isHealthy(_ answer: [UInt8]) -> Bool {
        guard answer.count >= 12 else { return false }
        let statusLine = String(decoding: answer.prefix(12), as: UTF8.self)
        guard statusLine.hasPrefix("HTTP/1.") && statusLine.dropFirst(8).first == " "
            && statusLine.dropFirst(9).allSatisfy(\.isNumber) else { return false }
        return !String(decoding: answer, as: UTF8.self).contains("\"status\":\"unavailable\"")
    }
}
