import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connection of its own that LISTENs on a channel and hands each notification's
/// payload to `received`, on a thread of its own. When the connection drops it
/// reconnects with backoff and calls `resynced`, since notifications sent meanwhile
/// are lost: whoever relied on them must look again.
package final class PostgresListener: @unchecked Sendable {
    // @unchecked: `connection` is only used by the listening thread; `stopped` and
    // `connected` only under `lock`.
    private let url: String
    private let channel: String
    private let received: @Sendable (String) -> Void
    private let resynced: @Sendable () -> Void
    private let lock = NSLock()
    private var stopped = false
    private var connected = false

    package init(url: String, channel: String, received: @escaping @Sendable (String) -> Void, resynced: @escaping @Sendable () -> Void) {
        self.url = url
        self.channel = channel
        self.received = received
        self.resynced = resynced
    }

    /// Whether notifications are flowing now (a cache may trust them only then).
    package var isConnected: Bool { lock.withLock { connected } }

    package func start() {
        let thread = Thread { [self] in listen() }
        thread.name = "gantry.postgres.listen"
        thread.start()
    }

    package func stop() { lock.withLock { stopped = true } }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func listen() {
        var delay = 0.1
        while !isStopped {
            do {
                let connection = try PostgresConnection(url: url)
                try connection.execute("LISTEN \(channel)")
                lock.withLock { connected = true }
                delay = 0.1
                resynced()
                try drain(connection)
                connection.close()
            } catch {
                lock.withLock { connected = false }
                resynced()
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 5)
            }
        }
    }

    /// Waits on the socket (waking every half second to see whether to stop) until the
    /// connection fails; throws then.
    private func drain(_ connection: PostgresConnection) throws {
        while !isStopped {
            var descriptor = pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 500)
            if ready < 0 && errno != EINTR { throw PostgresError("poll failed: \(String(cString: strerror(errno)))") }
            for notice in try connection.notifications() where notice.channel == channel {
                received(notice.payload)
            }
            if connection.isBroken { throw PostgresError("the listening connection was lost") }
        }
    }
}
