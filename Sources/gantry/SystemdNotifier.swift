import Foundation

/// `sd_notify` without libsystemd: datagrams to `$NOTIFY_SOCKET` (a path, or an
/// abstract name when it starts with `@`). Does nothing outside systemd.
final class SystemdNotifier: Sendable {
    private let socketPath: String?
    private let watchdogMicroseconds: UInt64?
    private let queue = DispatchQueue(label: "gantry.watchdog")

    init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogMicroseconds = pidMatches ? environment["WATCHDOG_USEC"].flatMap(UInt64.init) : nil
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
        guard name.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: name)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count + (abstract ? 0 : 1))
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length) }
            }
        }
    }

    /// Pings at half the watchdog interval, from a queue of our own: if the process
    /// wedges hard enough to stop scheduling it, systemd restarts it.
    /// The caller keeps the returned timer alive for as long as the pings should go on.
    func startWatchdog() -> (any DispatchSourceTimer)? {
        guard let interval = watchdogMicroseconds, interval > 0 else { return nil }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let period = DispatchTimeInterval.microseconds(Int(interval / 2))
        timer.schedule(deadline: .now() + period, repeating: period)
        timer.setEventHandler { [self] in send("WATCHDOG=1") }
        timer.resume()
        return timer
    }
}
