import Crypto
import Foundation
import GAN
import Linalg

/// Runs jobs first in, first out, `concurrentJobs` at a time, each on its own serial
/// queue; keeps the queue bounded; cancels; and on shutdown stops every job at a step
/// boundary so that it resumes from its last checkpoint on the next start.
public final class Scheduler: @unchecked Sendable {
    // @unchecked: `pending`, `active` and `stopping` are only touched under `lock`.
    let store: JobStore
    let files: JobFiles
    let datasets: any DatasetProvider
    let references: QualityReferences
    let gate: BLASGate
    let notifier: EpochNotifier
    let maxQueuedJobs: Int
    let concurrentJobs: Int
    let blasThreads: BLASThreadSetting
    let log: @Sendable (String) -> Void
    let lock = NSLock()
    private var pending: [String] = []
    private var active: [String: ActiveJob] = [:]
    private var stopping = false
    /// Failures the store could not record (a full disk fails the database write
    /// too): the API shows them until a restart retries the job.
    var unrecordedFailures: [String: String] = [:]
    private let running = DispatchGroup()
    /// Called with a status line for the service manager ("training job … epoch 3/100").
    let status: @Sendable (String) -> Void

    public init(store: JobStore, files: JobFiles, datasets: any DatasetProvider, references: QualityReferences,
                gate: BLASGate, notifier: EpochNotifier,
                maxQueuedJobs: Int, concurrentJobs: Int, blasThreads: BLASThreadSetting = .fixed(1), log: @escaping @Sendable (String) -> Void = { _ in },
                status: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.files = files
        self.datasets = datasets
        self.references = references
        self.gate = gate
        self.notifier = notifier
        self.maxQueuedJobs = maxQueuedJobs
        self.concurrentJobs = concurrentJobs
        self.blasThreads = blasThreads
        self.log = log
        self.status = status
    }

    /// Puts back in line every job the last process left queued or in flight, oldest first.
    public func restore() throws {
        let unfinished = try store.unfinishedJobs()
        lock.lock()
        // In-flight jobs resume before jobs that never started.
        pending = unfinished.filter { $0.status != .queued }.map(\.id) + unfinished.filter { $0.status == .queued }.map(\.id)
        lock.unlock()
        for job in unfinished where job.status != .queued {
            log("job \(job.id) was interrupted by the last stop (\(job.status.rawValue)); it resumes after epoch \(job.epochsCompleted)")
        }
        pump()
    }

    // MARK: Requests

    /// Creates a job, or with an idempotency key returns the job a previous identical request made.
    public func create(config: JobConfig, body: [UInt8], idempotencyKey: String?) throws -> (job: Job, created: Bool) {
        let hash = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        lock.lock()
        defer { lock.unlock() }
        if let key = idempotencyKey, let existing = try store.job(idempotencyKey: key) {
            guard existing.requestHash == hash else {
                throw APIError(.conflict, "idempotency_conflict",
                               "Idempotency-Key \(key) was used for job \(existing.id) with a different body")
            }
            return (existing, false)
        }
        guard !stopping else { throw APIError(.serviceUnavailable, "shutting_down", "the daemon is shutting down; retry after it restarts") }
        guard pending.count < maxQueuedJobs else {
            var error = APIError(.tooManyRequests, "queue_full",
                                 "\(pending.count) jobs are already queued (max_queued_jobs is \(maxQueuedJobs)); retry later")
            error.headers = [("Retry-After", "30")]
            throw error
        }
        let job = Job(id: Job.newID(), status: .queued, createdAt: Date(), startedAt: nil, finishedAt: nil, config: config,
                      epochsCompleted: 0, stepsPerEpoch: nil, imagesPerSecond: nil, latest: nil, error: nil,
                      idempotencyKey: idempotencyKey, requestHash: hash)
        try store.insert(job)
        pending.append(job.id)
        DispatchQueue.global().async { self.pump() }
        return (job, true)
    }

    /// Stops a queued or running job; it keeps its last checkpoint and epochs.
    public func cancel(_ id: String) throws -> Job {
        lock.lock()
        guard let job = try store.job(id: id) else {
            lock.unlock()
            throw APIError.notFound(job: id)
        }
        guard !job.status.isFinished else {
            lock.unlock()
            return job
        }
        pending.removeAll { $0 == id }
        let running = active[id]
        running?.requestCancel()
        try store.setStatus(id, .cancelled, finishedAt: Date(), error: nil)
        lock.unlock()
        notifier.notify(id)
        // Training stops at its next step (milliseconds); answering after that means a
        // DELETE that follows the cancel finds the job at rest. (A download cannot be
        // interrupted, so a downloading job is not waited for.)
        if let running, job.status == .running { _ = running.waitUntilFinished(seconds: 5) }
        return try store.job(id: id) ?? job
    }

    /// Forgets a finished job and its files. A job cancelled a moment ago may still be
    /// finishing its current step; that is waited for (it takes milliseconds).
    public func delete(_ id: String) throws {
        for attempt in 0..<2 {
            lock.lock()
            guard let job = try store.job(id: id) else {
                lock.unlock()
                throw APIError.notFound(job: id)
            }
            guard job.status.isFinished else {
                lock.unlock()
                throw APIError(.conflict, "job_not_finished", "job \(id) is \(job.status.rawValue); cancel it before deleting it")
            }
            guard let stopping = active[id] else {
                defer { lock.unlock() }
                try store.delete(id)
                try files.remove(id)
                return
            }
            lock.unlock()
            if attempt == 0 { _ = stopping.waitUntilFinished(seconds: 5) }
        }
        throw APIError(.conflict, "job_stopping", "job \(id) is still stopping; retry in a moment")
    }

    /// The job as the API should show it: the store's record, unless a failure could not be written to it.
    public func effective(_ job: Job) -> Job {
        lock.lock()
        let failure = unrecordedFailures[job.id]
        lock.unlock()
        guard let failure, !job.status.isFinished else { return job }
        var shown = job
        shown.status = .failed
        shown.error = failure
        return shown
    }

    func activeJob(_ id: String) -> ActiveJob? {
        lock.lock()
        defer { lock.unlock() }
        return active[id]
    }

    public var queuedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return pending.count
    }

    /// Images per second summed over the jobs training now.
    public func runningImagesPerSecond() -> Double {
        lock.lock()
        let ids = Array(active.keys)
        lock.unlock()
        return ids.compactMap { try? store.job(id: $0)?.imagesPerSecond }.reduce(0, +)
    }

    // MARK: Shutdown

    /// Stops accepting jobs, interrupts training at a step boundary and waits up to
    /// `timeout` seconds. Jobs stay queued or running in the store: the next start resumes them.
    @discardableResult
    public func shutdown(timeout: Double) -> Bool {
        beginShutdown()
        return running.wait(timeout: .now() + timeout) == .success
    }

    /// Asks every running job to stop at its next step; returns at once.
    public func beginShutdown() {
        lock.lock()
        stopping = true
        for job in active.values { job.requestShutdown() }
        lock.unlock()
    }

    // MARK: Running

    private func pump() {
        lock.lock()
        var starting: [(String, ActiveJob)] = []
        while !stopping, active.count < concurrentJobs, !pending.isEmpty {
            let id = pending.removeFirst()
            let job = ActiveJob(id: id)
            active[id] = job
            starting.append((id, job))
        }
        lock.unlock()
        for (id, job) in starting {
            running.enter()
            job.queue.async {
                self.run(id, job)
                self.lock.lock()
                self.active[id] = nil
                self.lock.unlock()
                job.markFinished()
                self.notifier.notify(id)
                self.running.leave()
                self.pump()
            }
        }
    }
}
