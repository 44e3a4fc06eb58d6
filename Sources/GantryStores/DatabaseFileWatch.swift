import Foundation
import GRDB
import Logging
import Synchronization
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
final class DatabaseFileWatch: Sendable {
    private let file: DatabaseFile
    private let logger: Logger
    /// Set the first time the file is found changed; held through that check's copy, so
    /// no other check passes before the refusal is in place.
    private let lost = Mutex<DatabaseFileLost?>(nil)

    init(file: DatabaseFile, logger: Logger) {
        self.file = file
        self.logger = logger
    }

    /// Throws `DatabaseFileLost` if the path no longer names the file opened; the first
    /// such check saves a copy through `db`, which must be outside a transaction.
    func check(_ db: Database) throws {
        try lost.withLock { known in
            if let known { throw known }
            guard let change = file.change() else { return }
            let lost = DatabaseFileLost(change: change)
            known = lost
            save(through: db, after: change)
            throw lost
        }
    }

    /// Copies what the open connection holds beside the file and logs what happened.
    private func save(through db: Database, after change: DatabaseFileLost.Change) {
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
