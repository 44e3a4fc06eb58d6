/// What the scheduler refuses, in its own terms; the HTTP layer (`ErrorResponses`)
/// gives each its status and code.
public enum SchedulerRefusal: Error, Equatable, CustomStringConvertible {
    case noSuchJob(String)
    case idempotencyConflict(key: String, job: String)
    case shuttingDown
    case queueFull(queued: Int, limit: Int)
    /// The state folder's free space does not hold this job's disk estimate beside what
    /// the jobs already queued or running may still write.
    case insufficientStorage(needed: Int, available: Int, promised: Int, jobs: Int)
    case notFinished(job: String, status: JobStatus)
    case stillStopping(job: String)

    public var description: String {
        switch self {
        case .noSuchJob(let id): "no job with id \(id)"
        case .idempotencyConflict(let key, let job): "Idempotency-Key \(key) was used for job \(job) with a different body"
        case .shuttingDown: "the daemon is shutting down; retry after it restarts"
        case .queueFull(let queued, let limit): "\(queued) jobs are already queued (max_queued_jobs is \(limit)); retry later"
        case .insufficientStorage(let needed, let available, let promised, let jobs):
            "this job may write up to \(Self.mebibytes(needed)) MiB (its samples, loss records and checkpoints), but the state folder has "
                + "\(Self.mebibytes(available)) MiB free and the \(jobs) queued or running job(s) may still write \(Self.mebibytes(promised)) MiB of it; "
                + "free space (or delete finished jobs), or ask for fewer epochs or samples_per_epoch"
        case .notFinished(let job, let status): "job \(job) is \(status.rawValue); cancel it before deleting it"
        case .stillStopping(let job): "job \(job) is still stopping; retry in a moment"
        }
    }

    /// Whole MiB, rounded up, so a need is never shown as 0.
    package static func mebibytes(_ bytes: Int) -> Int { bytes <= 0 ? 0 : (bytes + (1 << 20) - 1) >> 20 }
}

/// A job that cannot run as configured, said as a sentence for the job's `error`.
struct JobConfigurationProblem: Error, CustomStringConvertible {
    let description: String
}
