import Foundation
import GAN
import GantryJobs
import PostgresClient

/// Jobs, their per-epoch losses and their artifacts in PostgreSQL, through libpq: the
/// store several daemons share. Same tables and columns as `SQLiteJobStore`, in
/// PostgreSQL's types; the schema is versioned in `schema_migrations`.
///
/// Calls run on a small pool of connections. A call that finds its connection lost
/// (server restarted) reconnects first; the call that lost it fails, since whether
/// its COMMIT landed cannot be known.
///
/// Every write of a job notifies the `gantry_jobs` channel with the job's id: each
/// node's listener drops its rendered views of the job and wakes its long-polls.
/// Writes for a job this node claimed (`JobLeases`) are fenced by the claim's token.
public final class PostgresJobStore: JobStore, @unchecked Sendable {
    // @unchecked: connections are only used as the pool lends them; `generations`,
    // `fences`, `resyncs` and `observers` only under `stateLock`.
    let pool: PostgresPool
    public let node: String
    public let leaseSeconds: Double
    private let stateLock = NSLock()
    private var generations: [String: Int] = [:]
    /// The token of each claim this node holds, by job.
    private var fences: [String: Int64] = [:]
    /// Bumped whenever notifications may have been missed, so cached views are dropped.
    private var resyncs = 0
    private var observers: [@Sendable (String) -> Void] = []
    /// Jobs and their records as last read, by job, tagged with the generation read
    /// before the read: a write notified meanwhile makes the copy stale at once.
    private var cached: [String: CachedJob] = [:]

    private struct CachedJob {
        var generation: Int
        var job: Job?
        var epochs: [EpochLosses]?
    }
    private var listener: PostgresListener?

    static let channel = "gantry_jobs"

    /// Connects to `url` and brings its schema up to date, or throws a `StoreFailure`
    /// with libpq's reason (never the URL, which may hold a password).
    public init(url: String, node: String = "local", leaseSeconds: Double = 15, connections: Int = 4) throws {
        self.node = node
        self.leaseSeconds = leaseSeconds
        do {
            pool = try PostgresPool(url: url, size: connections)
        } catch {
            throw StoreFailure(operation: "open", reason: error.message)
        }
        try run("migrate") { db in try PostgresSchema.migrate(db) }
        let listener = PostgresListener(url: url, channel: Self.channel, received: { [weak self] id in self?.changed(id) },
                                        resynced: { [weak self] in self?.resynced() })
        self.listener = listener
        listener.start()
    }

    deinit { listener?.stop() }

    /// Stops listening for other nodes' writes and closes the idle connections.
    public func close() {
        listener?.stop()
        pool.closeIdle()
    }

    /// Calls `handler` with a job's id whenever any node writes the job (and with ""
    /// after a reconnect, when writes may have gone unseen).
    public func observeChanges(_ handler: @escaping @Sendable (String) -> Void) {
        stateLock.withLock { observers.append(handler) }
    }

    private func changed(_ id: String) {
        let handlers = stateLock.withLock {
            generations[id, default: 0] += 1
            return observers
        }
        for handler in handlers { handler(id) }
    }

    private func resynced() {
        let handlers = stateLock.withLock {
            resyncs += 1
            return observers
        }
        for handler in handlers { handler("") }
    }

    /// Runs `body` on a pooled connection and turns libpq's error into a
    /// `StoreFailure` that names the call (a lost lease passes through as it is).
    @discardableResult
    func run<T>(_ operation: String = #function, _ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            return try pool.with(body)
        } catch let error as PostgresError {
            throw StoreFailure(operation: operation, reason: error.message)
        } catch let error as LeaseLost {
            throw error
        } catch let error as StoreFailure {
            throw error
        } catch {
            throw StoreFailure(operation: operation, reason: "\(error)")
        }
    }

    /// Tells every node (this one through its listener too) that job `id` changed;
    /// inside a transaction it is sent at COMMIT.
    static func notify(_ db: PostgresConnection, _ id: String) throws {
        try db.execute("SELECT pg_notify('\(channel)', $1)", [id])
    }

    private func wrote(_ id: String) {
        stateLock.withLock { generations[id, default: 0] += 1 }
    }

    func fence(of id: String) -> Int64? { stateLock.withLock { fences[id] } }
    func setFence(_ token: Int64?, for id: String) { stateLock.withLock { fences[id] = token } }

    /// Inside a transaction: locks job `id`'s row and, when this node claimed the job,
    /// checks that its claim still stands; throws `LeaseLost` when another claim
    /// replaced it. The row lock keeps claims out until COMMIT.
    func checkFence(_ db: PostgresConnection, _ id: String) throws {
        guard let token = fence(of: id) else { return }
        let row = try db.execute("SELECT lease_token FROM jobs WHERE id = $1 FOR UPDATE", [id]).first
        guard let current = row?["lease_token"].flatMap({ Int64($0) }), current == token else {
            throw LeaseLost(job: id, node: node)
        }
    }

    /// A write of job `id`, in one transaction announced on COMMIT; fenced (unless told
    /// otherwise) when this node claimed the job.
    func write(job id: String, fenced: Bool = true, _ operation: String = #function,
               _ body: (PostgresConnection) throws -> Void) throws {
        try run(operation) { db in
            try db.transaction {
                if fenced { try checkFence(db, id) }
                try body(db)
                try Self.notify(db, id)
            }
        }
        wrote(id)
    }

    // MARK: Jobs

    public func insert(_ job: Job) throws {
        let values = JobRow.values(of: job)
        let columns = values.map(\.column).joined(separator: ", ")
        let placeholders = (1...values.count).map { "$\($0)" }.joined(separator: ", ")
        try write(job: job.id) { db in
            try db.execute("INSERT INTO jobs (\(columns)) VALUES (\(placeholders))", values.map { $0.value.text })
        }
    }

    /// Served from memory while the copy's generation is current (no write of the job
    /// by any node notified since it was read), else read and kept.
    public func job(id: String) throws -> Job? {
        let generation = generation(of: id)
        if let held = stateLock.withLock({ cached[id] }), held.generation == generation, let job = held.job { return job }
        let job = try run { db in try db.execute("\(JobRow.select) WHERE j.id = $1", [id]).map(Self.job).first }
        stateLock.withLock { cached[id] = CachedJob(generation: generation, job: job, epochs: nil) }
        return job
    }

    /// This node's writes and every node's notifications of job `id`; while the listener
    /// is down, a new number each call, so nothing rendered is reused.
    public func generation(of id: String) -> Int {
        let listening = listener?.isConnected ?? false
        return stateLock.withLock {
            guard listening else {
                resyncs += 1
                return -resyncs
            }
            return generations[id, default: 0] &+ resyncs << 32
        }
    }

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

    public func jobPage(status: JobStatus?, orIDs: [String], before: Int64?, limit: Int) throws -> JobPage {
        let query = JobPageQuery(status: status, orIDs: orIDs, before: before, limit: limit) { "$\($0)" }
        let rows = try run { db in
            try db.execute(query.sql, query.arguments.map(\.text)).map { row in
                guard let seq = row["seq"].flatMap({ Int64($0) }) else { throw PostgresError("a job row without its seq") }
                return (seq: seq, job: try Self.job(row))
            }
        }
        return JobPage(rows: rows, limit: limit)
    }

    public func finishedJobs(beyondNewest keep: Int, limit: Int) throws -> [String] {
        let query = JobPageQuery.finished(beyondNewest: keep, limit: limit) { "$\($0)" }
        return try run { db in try db.execute(query.sql, query.arguments.map(\.text)).compactMap { $0["id"] } }
    }

    /// Jobs queued or in flight, oldest first.
    public func unfinishedJobs() throws -> [Job] {
        try run { db in
            try db.execute("\(JobRow.select) WHERE j.status IN ('queued', 'downloading', 'running') ORDER BY j.seq ASC").map(Self.job)
        }
    }

    /// A cancel may come through any node: it is never fenced, and it ends any claim on
    /// the job (a new token), so the node training it stops and records nothing more.
    /// A run's own finish (completed, failed) gives up its lease.
    public func setStatus(_ id: String, _ status: JobStatus, startedAt: Date?, finishedAt: Date?, error: String?) throws {
        let lease = switch status {
        case .cancelled: ", lease_token = lease_token + 1, lease_expires_at = NULL"
        case .completed, .failed: ", lease_expires_at = NULL"
        default: ""
        }
        try write(job: id, fenced: status != .cancelled) { db in
            try db.execute("""
                UPDATE jobs SET status = $1, started_at = COALESCE($2::double precision, started_at),
                    finished_at = $3::double precision, error = $4\(lease)
                WHERE id = $5
                """, [status.rawValue, startedAt.map { "\($0.timeIntervalSince1970)" }, finishedAt.map { "\($0.timeIntervalSince1970)" }, error, id])
        }
    }

    public func setStepsPerEpoch(_ id: String, _ steps: Int) throws {
        try write(job: id) { db in try db.execute("UPDATE jobs SET steps_per_epoch = $1 WHERE id = $2", ["\(steps)", id]) }
    }

    /// Epochs and artifacts go with the row (ON DELETE CASCADE).
    public func delete(_ id: String) throws {
        try write(job: id, fenced: false) { db in try db.execute("DELETE FROM jobs WHERE id = $1", [id]) }
        stateLock.withLock { _ = cached.removeValue(forKey: id) }
    }

    // MARK: Epochs

    /// Records epoch `losses.epoch` and the job's progress in one transaction. A
    /// second record of the same epoch fails loudly: each epoch exists exactly once.
    public func recordEpoch(_ id: String, _ losses: EpochLosses, imagesPerSecond: Double) throws {
        try write(job: id) { db in try Self.insertEpoch(db, id, losses, imagesPerSecond: imagesPerSecond) }
    }

    /// Drops epochs after `epoch`: on resume, records newer than the checkpoint belong
    /// to an epoch that will be trained again.
    public func discardEpochs(of id: String, after epoch: Int) throws {
        try write(job: id) { db in try Self.discardEpochs(db, id, after: epoch) }
    }

    /// Inside a write: the epoch's row and the job's progress.
    static func insertEpoch(_ db: PostgresConnection, _ id: String, _ losses: EpochLosses, imagesPerSecond: Double) throws {
        let fields = EpochRow.values(of: losses)
        let columns = (["job_id"] + fields.map(\.column)).joined(separator: ", ")
        let placeholders = (1...fields.count + 1).map { "$\($0)" }.joined(separator: ", ")
        try db.execute("INSERT INTO epochs (\(columns)) VALUES (\(placeholders))", [id] + fields.map { $0.value?.text })
        try db.execute("UPDATE jobs SET epochs_completed = $1, images_per_second = $2 WHERE id = $3",
                       ["\(losses.epoch)", "\(imagesPerSecond)", id])
    }

    /// Inside a write: the records after `epoch` go, and the job's progress with them.
    static func discardEpochs(_ db: PostgresConnection, _ id: String, after epoch: Int) throws {
        try db.execute("DELETE FROM epochs WHERE job_id = $1 AND epoch > $2", [id, "\(epoch)"])
        try db.execute("UPDATE jobs SET epochs_completed = $1 WHERE id = $2", ["\(epoch)", id])
    }

    public func epochs(of id: String, after since: Int) throws -> [EpochLosses] {
        let generation = generation(of: id)
        if let held = stateLock.withLock({ cached[id] }), held.generation == generation, let epochs = held.epochs {
            return epochs.filter { $0.epoch > since }
        }
        let all = try run { db in
            try db.execute("SELECT * FROM epochs WHERE job_id = $1 ORDER BY epoch", [id])
                .compactMap { row in try EpochRow.losses { Self.value(row, $0) } }
        }
        stateLock.withLock {
            if let held = cached[id], held.generation == generation {
                cached[id]?.epochs = all
            } else {
                cached[id] = CachedJob(generation: generation, job: nil, epochs: all)
            }
        }
        return all.filter { $0.epoch > since }
    }

    public func totalEpochs() throws -> Int {
        try run { db in Int(try db.execute("SELECT COUNT(*) AS n FROM epochs").first?["n"] ?? "0") ?? 0 }
    }

    public func ping() throws {
        try run { db in try db.execute("SELECT 1") }
    }

    /// The copy held in memory, while no node has written the job since it was read.
    public func cachedJob(id: String) -> Job? {
        let generation = generation(of: id)
        return stateLock.withLock { cached[id].flatMap { $0.generation == generation ? $0.job : nil } }
    }

    public func cachedEpochs(of id: String) -> [EpochLosses]? {
        let generation = generation(of: id)
        return stateLock.withLock { cached[id].flatMap { $0.generation == generation ? $0.epochs : nil } }
    }

    // MARK: Rows

    private static func job(_ row: PostgresRow) throws -> Job {
        var job = try JobRow.job { value(row, $0) }
        job.node = row["lease_owner"]
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
