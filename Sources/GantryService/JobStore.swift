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
