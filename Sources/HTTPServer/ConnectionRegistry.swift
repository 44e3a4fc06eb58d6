import Foundation

/// The open connections, for the connection limit, for taking an idle one's slot,
/// and for shutdown.
///
/// Lock-protected (NSLock rather than Synchronization.Mutex, which draws false
/// reports from ThreadSanitizer on Linux). Connections remove themselves from
/// their own queues when their socket is closed and say, as they go, since when
/// they have been waiting for a request head; the accept queue adds them.
final class ConnectionRegistry: @unchecked Sendable {
    // @unchecked: `entries`, `evicting` and `emptyWaiters` are only touched under `lock`.
    private let lock = NSLock()
    private var entries: [ObjectIdentifier: Entry] = [:]
    /// Connections told to give up their slot that have not closed yet.
    private var evicting = 0
    private var emptyWaiters: [@Sendable () -> Void] = []

    private struct Entry {
        let connection: Connection
        /// Since when (`DispatchTime` nanoseconds) it has waited without a complete
        /// request head and with nothing left to send; nil while a request is under way.
        var idleSince: UInt64?
        var evicting = false
    }

    /// Slots being freed at once, at most: beyond it a new client is refused rather than
    /// held, so a flood cannot outrun the closes and hold more descriptors than the cap.
    static let maxEvictionsInFlight = 16

    enum Room {
        /// Under the cap: take a slot.
        case free
        /// At the cap: take the slot of this connection, which must now be told to `evict()`.
        case takenFrom(Connection)
        /// At the cap and nobody idle to make way: refuse.
        case full
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    /// Connections whose slot a new client could take now (see `Entry.idleSince`).
    var idleCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.values.filter { $0.idleSince != nil && !$0.evicting }.count
    }

    /// Finds a slot for one more connection under `cap`: a free one, else the one of
    /// the connection idle longest (marked as evicting, so it is neither chosen again
    /// nor counted against the cap while it closes).
    func makeRoom(cap: Int) -> Room {
        lock.lock()
        defer { lock.unlock() }
        if entries.count - evicting < cap { return .free }
        guard evicting < Self.maxEvictionsInFlight else { return .full }
        var oldest: (key: ObjectIdentifier, since: UInt64)?
        for (key, entry) in entries where !entry.evicting {
            guard let since = entry.idleSince else { continue }
            if oldest == nil || since < oldest!.since { oldest = (key, since) }
        }
        guard let oldest, let entry = entries[oldest.key] else { return .full }
        entries[oldest.key]?.evicting = true
        evicting += 1
        return .takenFrom(entry.connection)
    }

    func add(_ connection: Connection, idleSince: UInt64) {
        lock.lock()
        entries[ObjectIdentifier(connection)] = Entry(connection: connection, idleSince: idleSince)
        lock.unlock()
    }

    func setIdleSince(_ connection: Connection, _ since: UInt64?) {
        lock.lock()
        entries[ObjectIdentifier(connection)]?.idleSince = since
        lock.unlock()
    }

    /// The connection asked to evict got a request through first and stays; it counts
    /// again (the cap is exceeded by one until a connection closes).
    func evictionDeclined(_ connection: Connection) {
        lock.lock()
        if entries[ObjectIdentifier(connection)]?.evicting == true {
            entries[ObjectIdentifier(connection)]?.evicting = false
            evicting -= 1
        }
        lock.unlock()
    }

    func remove(_ connection: Connection) {
        lock.lock()
        if entries.removeValue(forKey: ObjectIdentifier(connection))?.evicting == true { evicting -= 1 }
        var waiters: [@Sendable () -> Void] = []
        if entries.isEmpty {
            waiters = emptyWaiters
            emptyWaiters = []
        }
        lock.unlock()
        waiters.forEach { $0() }
    }

    func snapshot() -> [Connection] {
        lock.lock()
        defer { lock.unlock() }
        return entries.values.map(\.connection)
    }

    /// Runs `body` once no connection is open (at once if none is).
    func whenEmpty(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        if entries.isEmpty {
            lock.unlock()
            body()
            return
        }
        emptyWaiters.append(body)
        lock.unlock()
    }
}
