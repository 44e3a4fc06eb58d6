import Foundation

/// A few libpq connections to one database, lent out one call at a time, so a large
/// epoch commit on one does not hold up the API's reads on another.
///
/// Connections open on first need, up to `size`; a lent connection found broken
/// (server restarted, network lost) is reconnected before use.
package final class PostgresPool: @unchecked Sendable {
    // @unchecked: `idle` and `opened` are only touched under `available`; a connection
    // is used by one caller at a time (the one it is lent to).
    private let url: String
    private let size: Int
    private let available = NSCondition()
    private var idle: [PostgresConnection] = []
    private var opened = 0

    /// Opens the first connection now, so an unreachable server fails here.
    package init(url: String, size: Int) throws(PostgresError) {
        self.url = url
        self.size = max(1, size)
        idle = [try PostgresConnection(url: url)]
        opened = 1
    }

    /// Runs `body` with a connection of its own, waiting for one when all are lent.
    package func with<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try borrow()
        defer { giveBack(connection) }
        connection.checkIdle()
        if connection.isBroken { try connection.reconnect() }
        return try body(connection)
    }

    private func borrow() throws -> PostgresConnection {
        available.lock()
        while idle.isEmpty && opened >= size { available.wait() }
        if let connection = idle.popLast() {
            available.unlock()
            return connection
        }
        opened += 1
        available.unlock()
        do {
            return try PostgresConnection(url: url)
        } catch {
            available.lock()
            opened -= 1
            available.signal()
            available.unlock()
            throw error
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        available.lock()
        idle.append(connection)
        available.signal()
        available.unlock()
    }

    /// Closes the connections nobody has borrowed (at shutdown); one borrowed later opens anew.
    package func closeIdle() {
        available.lock()
        let closing = idle
        idle = []
        opened -= closing.count
        available.signal()
        available.unlock()
        for connection in closing { connection.close() }
    }
}
