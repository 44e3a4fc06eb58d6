import Foundation
import GAN

/// Where jobs and their per-epoch records live: the seam between the service and a
/// database. `SQLiteJobStore` is the daemon's; tests wrap it to make any call fail.
///
/// Every call may throw (a full disk, an I/O error, a busy database). Callers hold no
/// lock of their own across a call, so a failing or slow store can fail a request
/// but never hang the others.
public protocol JobStore: Sendable {
    func insert(_ job: Job) throws
    func job(id: String) throws -> Job?
    /// Bumped whenever job `id` is written, so a rendered view can be reused until it changes.
    func generation(of id: String) -> Int
    func job(idempotencyKey key: String) throws -> Job?
    /// Jobs newest first, all or those with `status`.
    func jobs(status: JobStatus?) throws -> [Job]
    /// Up to `limit` jobs newest first, inserted before position `before` (from the newest
    /// when nil): all of them, or those with `status` or an id in `orIDs`. One query with
    /// its LIMIT in SQL; `next` is the position after the last job when more follow.
    func jobPage(status: JobStatus?, orIDs: [String], before: Int64?, limit: Int) throws -> JobPage
    /// The ids of the finished jobs (completed, failed, cancelled) beyond the `keep` that
    /// finished last, oldest finish first, at most `limit` of them.
    func finishedJobs(beyondNewest keep: Int, limit: Int) throws -> [String]
    /// Jobs queued, downloading or running, oldest first.
    func unfinishedJobs() throws -> [Job]
    func setStatus(_ id: String, _ status: JobStatus, startedAt: Date?, finishedAt: Date?, error: String?) throws
    func setStepsPerEpoch(_ id: String, _ steps: Int) throws
    func delete(_ id: String) throws
    /// One epoch's record and the job's progress, in one transaction.
    func recordEpoch(_ id: String, _ losses: EpochLosses, imagesPerSecond: Double) throws
    /// Forgets the records after `epoch` (a resume replays them).
    func discardEpochs(of id: String, after epoch: Int) throws
    func epochs(of id: String, after since: Int) throws -> [EpochLosses]
    func totalEpochs() throws -> Int
    /// A round trip to the database, for liveness checks.
    func ping() throws
    /// Ends the store's use at shutdown, once nothing calls it any more: its files are
    /// left complete (SQLite folds its write-ahead log back in), its connections closed.
    func close()
    /// Job `id` when the store holds it in memory, else nil: no disk, no wait, so it may
    /// be asked on a connection's queue.
    func cachedJob(id: String) -> Job?
    /// Job `id`'s records when held in memory, else nil.
    func cachedEpochs(of id: String) -> [EpochLosses]?
}

extension JobStore {
    public func jobs() throws -> [Job] { try jobs(status: nil) }
    public func setStatus(_ id: String, _ status: JobStatus, startedAt: Date? = nil, finishedAt: Date? = nil, error: String? = nil) throws {
        try setStatus(id, status, startedAt: startedAt, finishedAt: finishedAt, error: error)
    }
    public func epochs(of id: String) throws -> [EpochLosses] { try epochs(of: id, after: 0) }
}

/// One page of the job list: its jobs, newest first, and where the next page starts
/// (nil on the last page).
public struct JobPage: Sendable {
    public var jobs: [Job]
    public var next: Int64?

    public init(jobs: [Job], next: Int64?) {
        self.jobs = jobs
        self.next = next
    }

    /// The page of `limit` out of rows read with one more than `limit` (so whether more
    /// follow is known without a second query), each with its insertion number.
    package init(rows: [(seq: Int64, job: Job)], limit: Int) {
        jobs = rows.prefix(limit).map(\.job)
        next = rows.count > limit ? rows[limit - 1].seq : nil
    }
}

/// A store call that failed: which call, and the database's reason in a few words
/// ("database or disk is full"), without the statement (for a job's error and the log;
/// a client of the API sees only that the store failed).
public struct StoreFailure: Error, CustomStringConvertible {
    public let operation: String
    public let reason: String

    public init(operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    public var description: String {
        let call = operation.split(separator: "(").first.map(String.init) ?? operation
        return "the job store failed (\(call)): \(reason)"
    }
}
