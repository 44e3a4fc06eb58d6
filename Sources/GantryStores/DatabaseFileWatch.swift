import Foundation
import GRDB
import Logging
import GantryJobs

/// Watches the SQLite store's file for being removed or replaced while the daemon runs.
///
/// The first time it notices, it logs the change and saves what the open connection still
/// holds (`VACUUM INTO` a file beside the database), since the daemon's connection is then
/// the only way left to that data, and empties the write-ahead log into the file it
/// belongs to: left at `PATH-wal`, a log with commits would be replayed into whatever
/// file is at the path next. From then on every check throws `DatabaseFileLost`, so writes
/// answer 503 and `/healthz` reports unavailable until an operator restores the database
/// and restarts. Checks run on the store's connection, in line with its writes, so no
/// write lands between the copy and the refusal.
final class DatabaseFileWatch: @unchecked Sendable {
    // @unchecked: `lost` is only touched under `lock`.
    private let file: DatabaseFile
    private let logger: Logger
    private let lock = NSLock()
    private var lost: DatabaseFileLost?

    init(file: DatabaseFile, logger: Logger) {
        self.file = file
        self.logger = logger
    }

    /// Throws `DatabaseFileLost` if the path no longer names the file opened; the first
    /// such check saves a copy through `db`, which must be outside a transaction.
    func check(_ db: Database) throws {
        lock.lock()
        defer { lock.unlock() }
        if let lost { throw lost }
        guard let change = file.change() else { return }
        let lost = DatabaseFileLost(change: change)
        self.lost = lost
        let copy = file.path + ".saved-" + Self.stamp(Date())
        do {
            try db.execute(sql: "VACUUM INTO ?", arguments: [copy])
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            logger.critical("""
                store: the database file \(file.path) was \(change.rawValue) while the daemon ran; what this daemon had \
                committed is saved in \(copy). Changes are refused from now on. To go on: stop the daemon, move \(copy) \
                to \(file.path) (or restore your own copy), and start it again
                """)
        } catch {
            logger.critical("""
                store: the database file \(file.path) was \(change.rawValue) while the daemon ran, and saving what this \
                daemon had committed to \(copy) failed (\(error)). Changes are refused from now on. Keep the daemon \
                running until the database is restored, or its last commits are lost
                """)
        }
        throw lost
    }

    /// `20261206T053012Z`: sorts by time, and holds no character a shell or a URL minds.
    private static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}
