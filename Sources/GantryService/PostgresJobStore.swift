import Foundation
import GAN

/// Jobs and their per-epoch losses in PostgreSQL, through libpq: the store several
/// daemons can share (issue 17). Same tables and columns as `SQLiteJobStore`, in
/// PostgreSQL's types; the schema is versioned in `schema_migrations`.
///
/// One connection, used under `lock`: a call waits for the one before it. A call
/// that finds the connection lost (server restarted) reconnects first; the call
/// that lost it fails, since whether its COMMIT landed cannot be known.
///
/// No read cache: another node may write any row, so a cached copy would need
/// LISTEN/NOTIFY to be dropped in time (the next step). `generation(of:)` counts
/// this process's writes only, which is enough for one node.
public final class PostgresJobStore: JobStore, @unchecked Sendable {
    // @unchecked: `connection` is only used under `lock` (libpq allows one thread per
    // connection at a time), and `generations` only under `generationLock`.
    private let lock = NSLock()
    private let connection: PostgresConnection
    private let generationLock = NSLock()
    private var generations: [String: Int] = [:]

    /// Connects to `url` and brings its schema up to date, or throws a `StoreFailure`
    /// with libpq's reason (never the URL, which may hold a password).
    public init(url: String) throws {
        do {
            connection = try PostgresConnection(url: url)
        } catch {
            throw StoreFailure(operation: "open", reason: error.message)
        }
        try run("migrate") { db in try PostgresSchema.migrate(db) }
    }

    /// Runs `body` on the connection, reconnecting first if it was lost, and turns
    /// libpq's error into a `StoreFailure` that names the call.
    @discardableResult
    private func run<T>(_ operation: String = #function, _ body: (PostgresConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            if connection.isBroken { try connection.reconnect() }
            return try body(connection)
        } catch let error as PostgresError {
            throw StoreFailure(operation: operation, reason: error.message)
        } catch {
            throw StoreFailure(operation: operation, reason: "\(error)")
        }
    }

    private func wrote(_ id: String) {
        generationLock.withLock { generations[id, default: 0] += 1 }
    }

    // MARK: Jobs

    public func insert(_ job: Job) throws {
        let values = try JobRow.values(of: job)
        let columns = values.map(\.column).joined(separator: ", ")
        let placeholders = (1...values.count).map { "$\($0)" }.joined(separator: ", ")
        try run { db in
            try db.execute("INSERT INTO jobs (\(columns)) VALUES (\(placeholders))", values.map { $0.value.text })
        }
        wrote(job.id)
    }

    public func job(id: String) throws -> Job? {
        try run { db in try db.execute("\(JobRow.select) WHERE j.id = $1", [id]).map(Self.job).first }
    }

    public func generation(of id: String) -> Int { generationLock.withLock { generations[id, default: 0] } }

    public func job(idempotencyKey key: String) throws -> Job? {
        try run { db in try db.execute("\(JobRow.select) WHERE j.idempotency_key = $1", [key]).map(Self.job).first }
    }

    /// Newest first.
    public func jobs(status: JobStatus?) throws -> [Job] {
        try run { db in
            if let status {
                return try db.execute("\(JobRow.select) WHERE j.status = $1 ORDER BY j.seq DESC", [status.rawValue]).map(Self.job)
            }
            return try db.execute("\(JobRow.select) ORDER BY j.seq DESC").map(Self.job)
        }
    }

    /// Jobs queued or in flight, oldest first.
    public func unfinishedJobs() throws -> [Job] {
        try run { db in
            try db.execute("\(JobRow.select) WHERE j.status IN ('queued', 'downloading', 'running') ORDER BY j.seq ASC").map(Self.job)
        }
    }

    public func setStatus(_ id: String, _ status: JobStatus, startedAt: Date?, finishedAt: Date?, error: String?) throws {
        try run { db in
            try db.execute("""
                UPDATE jobs SET status = $1, started_at = COALESCE($2::double precision, started_at),
                    finished_at = $3::double precision, error = $4
                WHERE id = $5
                """, [status.rawValue, startedAt.map { "\($0.timeIntervalSince1970)" }, finishedAt.map { "\($0.timeIntervalSince1970)" }, error, id])
        }
        wrote(id)
    }

    public func setStepsPerEpoch(_ id: String, _ steps: Int) throws {
        try run { db in try db.execute("UPDATE jobs SET steps_per_epoch = $1 WHERE id = $2", ["\(steps)", id]) }
        wrote(id)
    }

    public func delete(_ id: String) throws {
        try run { db in
            try db.transaction {
                try db.execute("DELETE FROM epochs WHERE job_id = $1", [id])
                try db.execute("DELETE FROM jobs WHERE id = $1", [id])
            }
        }
        wrote(id)
    }

    // MARK: Epochs

    /// Records epoch `losses.epoch` and the job's progress in one transaction. A
    /// second record of the same epoch fails loudly: each epoch exists exactly once.
    public func recordEpoch(_ id: String, _ losses: EpochLosses, imagesPerSecond: Double) throws {
        let fields = EpochRow.values(of: losses)
        let columns = (["job_id"] + fields.map(\.column)).joined(separator: ", ")
        let placeholders = (1...fields.count + 1).map { "$\($0)" }.joined(separator: ", ")
        try run { db in
            try db.transaction {
                try db.execute("INSERT INTO epochs (\(columns)) VALUES (\(placeholders))", [id] + fields.map { $0.value?.text })
                try db.execute("UPDATE jobs SET epochs_completed = $1, images_per_second = $2 WHERE id = $3",
                               ["\(losses.epoch)", "\(imagesPerSecond)", id])
            }
        }
        wrote(id)
    }

    /// Drops epochs after `epoch`: on resume, records newer than the checkpoint belong
    /// to an epoch that will be trained again.
    public func discardEpochs(of id: String, after epoch: Int) throws {
        try run { db in
            try db.transaction {
                try db.execute("DELETE FROM epochs WHERE job_id = $1 AND epoch > $2", [id, "\(epoch)"])
                try db.execute("UPDATE jobs SET epochs_completed = $1 WHERE id = $2", ["\(epoch)", id])
            }
        }
        wrote(id)
    }

    public func epochs(of id: String, after since: Int) throws -> [EpochLosses] {
        try run { db in
            try db.execute("SELECT * FROM epochs WHERE job_id = $1 AND epoch > $2 ORDER BY epoch", [id, "\(since)"])
                .compactMap { row in try EpochRow.losses { Self.value(row, $0) } }
        }
    }

    public func totalEpochs() throws -> Int {
        try run { db in Int(try db.execute("SELECT COUNT(*) AS n FROM epochs").first?["n"] ?? "0") ?? 0 }
    }

    public func ping() throws {
        try run { db in try db.execute("SELECT 1") }
    }

    /// Nothing is held in memory (see the type's comment).
    public func cachedJob(id: String) -> Job? { nil }
    public func cachedEpochs(of id: String) -> [EpochLosses]? { nil }

    // MARK: Rows

    private static func job(_ row: PostgresRow) throws -> Job {
        var job = try JobRow.job { value(row, $0) }
        job.latest = try EpochRow.losses(prefix: "l_") { value(row, $0) }
        job.best = try EpochRow.losses(prefix: "b_") { value(row, $0) }
        job.lastEvaluated = try EpochRow.losses(prefix: "e_") { value(row, $0) }
        return job
    }

    /// Column `column`'s text read by its type: a number for PostgreSQL's integer and
    /// floating-point types, text otherwise.
    static func value(_ row: PostgresRow, _ column: String) -> ColumnValue? {
        guard let text = row[column], let type = row.type(of: column) else { return nil }
        switch type {
        case PostgresRow.bigintType, PostgresRow.integerType: return Int64(text).map { .integer($0) }
        case PostgresRow.doubleType: return Double(text).map { .real($0) }
        default: return .text(text)
        }
    }
}
