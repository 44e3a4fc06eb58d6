import Foundation

/// Claims on jobs in a store that several daemons share: a node claims queued or
/// orphaned jobs, holds each with a lease it renews, and gives it up when the run
/// ends. A claim bumps the job's fencing token; every write the run makes for the job
/// carries it, so a node that lost the lease (paused, cut off) records nothing more.
///
/// A store that only one daemon uses (`SQLiteJobStore`) does not conform: its
/// scheduler keeps the queue in memory.
public protocol JobLeases: Sendable {
    /// This node's name, as leases record it.
    var node: String { get }
    /// How long a claim lasts without renewal.
    var leaseSeconds: Double { get }
    /// Claims up to `limit` jobs that are queued, or in flight under a lapsed lease
    /// (or, with `includingOwn`, under this node's own name: its previous process),
    /// in-flight ones first, then oldest first. Returns their ids.
    func claim(limit: Int, includingOwn: Bool) throws -> [String]
    /// Extends the lease on `id`; tells what happened when this node no longer holds it.
    func renew(_ id: String) throws -> LeaseRenewal
    /// Gives up the lease on `id` (the run ended or the daemon stops), so another node
    /// may claim the job at once if it is unfinished.
    func release(_ id: String) throws
    /// Jobs waiting for any node, for the queue bound.
    func queuedCount() throws -> Int
}

public enum LeaseRenewal: Sendable, Equatable {
    case renewed
    /// Another node holds the job now: this node's run must stop and write nothing.
    case lost(holder: String?)
    /// The job was cancelled or deleted through another node.
    case cancelled
}

/// A write for a job whose lease this node no longer holds: refused by the store.
public struct LeaseLost: Error, CustomStringConvertible {
    public let job: String
    public let node: String

    package init(job: String, node: String) {
        self.job = job
        self.node = node
    }

    public var description: String {
        "job \(job): this node (\(node)) lost its lease; another node resumes the job, and nothing more is recorded here"
    }
}
