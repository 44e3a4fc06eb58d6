import Foundation
import GAN
import GRDB
import Synchronization
import Logging
import GantryJobs

/// Jobs and their per-epoch losses in SQLite (WAL mode, through GRDB).
///
/// Checkpoints and sample grids are files beside the database (`JobFiles`); the
/// database is the index of record for what exists and what each epoch measured.
///
/// One daemon owns its state folder, so the store keeps what it read in memory
/// (`ReadCache`) and drops an entry whenever it writes that job: a GET is a
/// dictionary lookup, not an SQL query (measured: the queries were most of a GET's cost).
public final class SQLiteJobStore: JobStore {
    let database: DatabaseQueue
    private let cache = ReadCache()
    /// Refuses writes once the path no longer names the file opened (see `DatabaseFile`).
    private let watch: DatabaseFileWatch
    private let logger: Logger

    public init(path: String, logger: Logger = .silent) throws {
        self.logger = logger
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // Exclusive locking keeps WAL's index in memory instead of a shared `-shm`
            // file mapped into the process: a mapped page the disk cannot back (an
            // immutable or full filesystem) kills the process with SIGBUS, where a
            // write returns an error. One daemon owns its state folder; a second one
            // is refused by the lock.
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            // FULL: a committed epoch record is on disk before the checkpoint after it is
            // written, so a power loss cannot leave the database behind its checkpoints
            // (WAL's default, NORMAL, may lose the last commits).
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw Self.failure("open \(path)", error)
        }
        guard let file = DatabaseFile(path: path) else {
            throw StoreFailure(operation: "open \(path)", reason: "the database file vanished as it was opened")
        }
        watch = DatabaseFileWatch(file: file, logger: logger)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: jobs and epochs") { db in
            try db.execute(sql: """
                CREATE TABLE jobs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    status TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    config TEXT NOT NULL,
                    epochs_completed INTEGER NOT NULL DEFAULT 0,
                    steps_per_epoch INTEGER,
                    images_per_second REAL,
                    error TEXT,
                    idempotency_key TEXT UNIQUE,
                    request_hash TEXT
                );
                CREATE INDEX jobs_status ON jobs(status);
                CREATE TABLE epochs (
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    epoch INTEGER NOT NULL,
                    d_loss REAL NOT NULL, g_loss REAL NOT NULL,
                    d_loss_real REAL NOT NULL, d_loss_fake REAL NOT NULL,
                    d_real_mean REAL NOT NULL, d_fake_mean REAL NOT NULL,
                    seconds REAL NOT NULL, steps INTEGER NOT NULL,
                    PRIMARY KEY (job_id, epoch)
                );
                """)
        }
        migrator.registerMigration("v2: quality scores per epoch") { db in
            try db.execute(sql: """
                ALTER TABLE epochs ADD COLUMN fd REAL;
                ALTER TABLE epochs ADD COLUMN inception_score REAL;
                ALTER TABLE epochs ADD COLUMN class_counts TEXT;
                ALTER TABLE epochs ADD COLUMN confident_share REAL;
                ALTER TABLE epochs ADD COLUMN eval_samples INTEGER;
                ALTER TABLE epochs ADD COLUMN eval_seconds REAL;
                """)
        }
        migrator.registerMigration("v3: conditional accuracy per epoch") { db in
            try db.execute(sql: "ALTER TABLE epochs ADD COLUMN conditional_accuracy REAL")
        }
        return migrator
    }

    /// Runs a read, turning the database's error into a `StoreFailure` that names the call.
    private func read<T>(_ operation: String = #function, _ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch { throw Self.failure(operation, error) }
    }

    /// Runs a write in a transaction, after checking (on the same connection, so in line
    /// with every other write) that the path still names the database file opened.
    private func write<T>(_ operation: String = #function, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.writeWithoutTransaction { db in
                try watch.check(db)
                var result: T?
                try db.inTransaction {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let lost as DatabaseFileLost {
            throw lost
        } catch {
            throw Self.failure(operation, error)
        }
    }

    /// SQLite's own sentence for its result code ("database or disk is full"), not the statement.
    private static func failure(_ operation: String, _ error: any Error) -> StoreFailure {
        guard let database = error as? DatabaseError else { return StoreFailure(operation: operation, reason: "\(error)") }
        return StoreFailure(operation: operation, reason: database.message ?? "SQLite result code \(database.resultCode.rawValue)")
    }

    // MARK: Jobs

    public func insert(_ job: Job) throws {
        let fields = JobRow.values(of: job)
        let columns = fields.map(\.column).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: fields.count).joined(separator: ", ")
        try write { db in
            try db.execute(sql: "INSERT INTO jobs (\(columns)) VALUES (\(placeholders))",
                           arguments: StatementArguments(fields.map { SQLiteColumns.bound($0.value) }))
        }
    }

    public func job(id: String) throws -> Job? {
        if let cached = cache.job(id) { return cached }
        let generation = cache.generation(id)
        let job = try read { db in
            try Row.fetchOne(db, sql: "\(Self.selectJob) WHERE j.id = ?", arguments: [id]).map(SQLiteColumns.job)
        }
        if let job { cache.store(job, readAt: generation) }
        return job
    }

    /// Bumped by every write of job `id`: equal generations mean an unchanged record.
    public func generation(of id: String) -> Int { cache.generation(id) }

    public func job(idempotencyKey key: String) throws -> Job? {
        try read { db in
            try Row.fetchOne(db, sql: "\(Self.selectJob) WHERE j.idempotency_key = ?", arguments: [key]).map(SQLiteColumns.job)
        }
    }

    /// Newest first.
    public func jobs(status: JobStatus?) throws -> [Job] {
        try read { db in
            if let status {
                return try Row.fetchAll(db, sql: "\(Self.selectJob) WHERE j.status = ? ORDER BY j.seq DESC", arguments: [status.rawValue]).map(SQLiteColumns.job)
            }
            return try Row.fetchAll(db, sql: "\(Self.selectJob) ORDER BY j.seq DESC").map(SQLiteColumns.job)
        }
    }

    public func jobPage(status: JobStatus?, orIDs: [String], before: Int64?, limit: Int) throws -> JobPage {
        let query = JobPageQuery(status: status, orIDs: orIDs, before: before, limit: limit) { _ in "?" }
        let rows = try read { db in
            try Row.fetchAll(db, sql: query.sql, arguments: Self.arguments(query.arguments)).map { row in
                (seq: row["seq"] as Int64, job: try SQLiteColumns.job(row))
            }
        }
        return JobPage(rows: rows, limit: limit)
    }

    public func finishedJobs(beyondNewest keep: Int, limit: Int) throws -> [String] {
        let query = JobPageQuery.finished(beyondNewest: keep, limit: limit) { _ in "?" }
        return try read { db in try String.fetchAll(db, sql: query.sql, arguments: Self.arguments(query.arguments)) }
    }

    private static func arguments(_ values: [ColumnValue]) -> StatementArguments {
        StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
            switch value {
            case .integer(let n): n
            case .real(let x): x
            case .text(let text): text
            }
        })
    }

    /// Jobs that were queued or in flight when the daemon last stopped, oldest first.
    public func unfinishedJobs() throws -> [Job] {
        try read { db in
            try Row.fetchAll(db, sql: "\(Self.selectJob) WHERE j.status IN ('queued', 'downloading', 'running') ORDER BY j.seq ASC")
                .map(SQLiteColumns.job)
        }
    }

    public func setStatus(_ id: String, _ status: JobStatus, startedAt: Date?, finishedAt: Date?, error: String?) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE jobs SET status = ?, started_at = COALESCE(?, started_at), finished_at = ?, error = ?
                WHERE id = ?
                """, arguments: [status.rawValue, startedAt?.timeIntervalSince1970, finishedAt?.timeIntervalSince1970, error, id])
        }
        cache.forget(id)
    }

    public func setStepsPerEpoch(_ id: String, _ steps: Int) throws {
        try write { db in
            try db.execute(sql: "UPDATE jobs SET steps_per_epoch = ? WHERE id = ?", arguments: [steps, id])
        }
        cache.forget(id)
    }

    public func delete(_ id: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM epochs WHERE job_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id])
        }
        cache.forget(id, epochs: true)
    }

    // MARK: Epochs

    /// Records epoch `losses.epoch` and the job's progress in one transaction. A
    /// second record of the same epoch fails loudly: each epoch exists exactly once.
    public func recordEpoch(_ id: String, _ losses: EpochLosses, imagesPerSecond: Double) throws {
        try write { db in
            let fields = EpochRow.values(of: losses)
            let columns = (["job_id"] + fields.map(\.column)).joined(separator: ", ")
            let placeholders = Array(repeating: "?", count: fields.count + 1).joined(separator: ", ")
            try db.execute(sql: "INSERT INTO epochs (\(columns)) VALUES (\(placeholders))",
                           arguments: StatementArguments([id as (any DatabaseValueConvertible)?] + fields.map { SQLiteColumns.bound($0.value) }))
            try db.execute(sql: "UPDATE jobs SET epochs_completed = ?, images_per_second = ? WHERE id = ?",
                           arguments: [losses.epoch, imagesPerSecond, id])
        }
        cache.forget(id, epochs: true)
    }

    /// Drops epochs after `epoch`: on resume, records newer than the checkpoint belong
    /// to an epoch that will be trained again.
    public func discardEpochs(of id: String, after epoch: Int) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM epochs WHERE job_id = ? AND epoch > ?", arguments: [id, epoch])
            try db.execute(sql: "UPDATE jobs SET epochs_completed = ? WHERE id = ?", arguments: [epoch, id])
        }
        cache.forget(id, epochs: true)
    }

    public func epochs(of id: String, after since: Int) throws -> [EpochLosses] {
        let all: [EpochLosses]
        if let cached = cache.epochs(id) {
            all = cached
        } else {
            let generation = cache.generation(id)
            all = try read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM epochs WHERE job_id = ? ORDER BY epoch", arguments: [id]).compactMap { try Self.losses(from: $0) }
            }
            cache.store(epochs: all, of: id, readAt: generation)
        }
        return all.filter { $0.epoch > since }
    }

    public func totalEpochs() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM epochs") ?? 0 }
    }

    public func cachedJob(id: String) -> Job? { cache.job(id) }
    public func cachedEpochs(of id: String) -> [EpochLosses]? { cache.epochs(id) }

    /// Closes the database: the last connection's close checkpoints the write-ahead log
    /// into the database file, so a stopped daemon leaves one complete file.
    public func close() {
        do { try database.close() } catch {
            logger.warning("store: closing the database failed (\(error)); the next start recovers it from its log")
        }
    }

    /// A trivial read, after checking that the database file is still the one opened:
    /// `/healthz` reports a removed or replaced database as unavailable.
    public func ping() throws {
        do {
            try database.writeWithoutTransaction { db in try watch.check(db) }
        } catch let lost as DatabaseFileLost {
            throw lost
        } catch {
            throw Self.failure(#function, error)
        }
        _ = try read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// What the store has read, per job, until it next writes that job.
    final class ReadCache: Sendable {
        private struct Entries {
            var jobs: [String: Job] = [:]
            var epochLists: [String: [EpochLosses]] = [:]
            /// Bumped by every write of a job: a read that started before a write must not
            /// put its older result in the cache after the write has cleared it.
            var generations: [String: Int] = [:]
        }
        private let entries = Mutex(Entries())

        func job(_ id: String) -> Job? { entries.withLock { $0.jobs[id] } }
        func epochs(_ id: String) -> [EpochLosses]? { entries.withLock { $0.epochLists[id] } }
        func generation(_ id: String) -> Int { entries.withLock { $0.generations[id, default: 0] } }

        func store(_ job: Job, readAt generation: Int) {
            entries.withLock { if $0.generations[job.id, default: 0] == generation { $0.jobs[job.id] = job } }
        }

        func store(epochs: [EpochLosses], of id: String, readAt generation: Int) {
            entries.withLock { if $0.generations[id, default: 0] == generation { $0.epochLists[id] = epochs } }
        }

        func forget(_ id: String, epochs: Bool = false) {
            entries.withLock { entries in
                entries.generations[id, default: 0] += 1
                entries.jobs[id] = nil
                if epochs { entries.epochLists[id] = nil }
            }
        }
    }

    // MARK: Rows

    /// The joined job query, shared with the PostgreSQL store.
    static var selectJob: String { JobRow.select }

    static func losses(from row: Row, prefix: String = "") throws -> EpochLosses? {
        try SQLiteColumns.losses(row, prefix: prefix)
    }
}
