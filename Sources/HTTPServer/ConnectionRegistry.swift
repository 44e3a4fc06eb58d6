import Foundation

/// The open connections, for the connection limit and for shutdown.
///
/// Lock-protected (NSLock rather than Synchronization.Mutex, which draws false
/// reports from ThreadSanitizer on Linux). Connections remove themselves from
/// their own queues when their socket is closed; the accept queue adds them.
final class ConnectionRegistry: @unchecked Sendable {
    // @unchecked: `connections` is only touched under `lock`.
    private let lock = NSLock()
    private var connections: [ObjectIdentifier: Connection] = [:]
    private var emptyWaiters: [@Sendable () -> Void] = []

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return connections.count
    }

    func add(_ connection: Connection) {
        lock.lock()
        connections[ObjectIdentifier(connection)] = connection
        lock.unlock()
    }

    func remove(_ connection: Connection) {
        lock.lock()
        connections[ObjectIdentifier(connection)] = nil
        var waiters: [@Sendable () -> Void] = []
        if connections.isEmpty {
            waiters = emptyWaiters
            emptyWaiters = []
        }
        lock.unlock()
        waiters.forEach { $0() }
    }

    func snapshot() -> [Connection] {
        lock.lock()
        defer { lock.unlock() }
        return Array(connections.values)
    }

    /// Runs `body` once no connection is open (at once if none is).
    func whenEmpty(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        if connections.isEmpty {
            lock.unlock()
            body()
            return
        }
        emptyWaiters.append(body)
        lock.unlock()
    }
}
