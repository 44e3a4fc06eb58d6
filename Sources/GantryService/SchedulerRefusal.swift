/// What the scheduler refuses, in its own terms; the HTTP layer (`ErrorResponses`)
/// gives each its status and code.
public enum SchedulerRefusal: Error, Equatable, CustomStringConvertible {
    case noSuchJob(String)
    case idempotencyConflict(key: String, job: String)
    case shuttingDown
    case queueFull(queued: Int, limit: Int)
    case notFinished(job: String, status: JobStatus)
    case stillStopping(job: String)

    public var description: String {
        switch self {
        case .noSuchJob(let id): "no job with id \(id)"
        case .idempotencyConflict(let key, let job): "Idempotency-Key \(key) was used for job \(job) with a different body"
        case .shuttingDown: "the daemon is shutting down; retry after it restarts"
        case .queueFull(let queued, let limit): "\(queued) jobs are already queued (max_queued_jobs is \(limit)); retry later"
        case .notFinished(let job, let status): "job \(job) is \(status.rawValue); cancel it before deleting it"
        case .stillStopping(let job): "job \(job) is still stopping; retry in a moment"
        }
    }
}

/// A job that cannot run as configured, said as a sentence for the job's `error`.
struct JobConfigurationProblem: Error, CustomStringConvertible {
    let description: String
}
