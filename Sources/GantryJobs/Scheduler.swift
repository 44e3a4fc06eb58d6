import Foundation
import Logging
import GAN
import Linalg

/// Runs jobs first in, first out, `concurrentJobs` at a time, each on a thread of its
/// own (`JobThread`); keeps the queue bounded; cancels; and on shutdown stops every job at a step
/// boundary so that it resumes from its last checkpoint on the next start.
///
/// With a store that several daemons share (`JobLeases`), the queue is the store's:
/// the scheduler claims jobs up to `concurrentJobs`, renews their leases, and stops a
/// run whose lease another node took (Scheduler+Leases.swift).
public final class Scheduler: @unchecked Sendable {
    // @unchecked: `pending`, `active`, `stopping`, `claimedOnce` and `unrecorded` are only
    // touched under `lock`, which is never held across a store call or a wait.
    let store: any JobStore
    let artifacts: any JobArtifacts
    /// The shared store's claims; nil for a store this daemon has to itself.
    let leases: (any JobLeases)?
    let datasets: any DatasetProvider
    let references: QualityReferences
    let gate: BLASGate
    let notifier: EpochNotifier
    let maxQueuedJobs: Int
    let concurrentJobs: Int
    let lanes: LaneCountSetting
    /// The state folder's filesystem, when artifacts are files there: a job is admitted
    /// only if its disk estimate fits the free space left by the unfinished jobs'.
    let diskSpace: DiskSpace?
    let logger: Logger
    let lock = NSLock()
    private var pending: [String] = []
    private var active: [String: ActiveJob] = [:]
    private var stopping = false
    /// Whether a claim was made yet: the first takes back this node's own leases too.
    var claimedOnce = false
    /// Orders claims, so two pumps do not claim past `concurrentJobs` together.
    let claiming = NSLock()
    var renewal: DispatchSourceTimer?
    /// Statuses the store could not record (a full disk fails the database write
    /// too): the API shows them until a restart, which sees the job as stored.
    var unrecorded: [String: UnrecordedStatus] = [:]
    /// Jobs a delete is taking apart: their files may already be out of sight.
    private var deleting: Set<String> = []
    /// Held across a creation's store calls, so one idempotency key makes one job.
    private let creating = NSLock()
    private let running = DispatchGroup()
    /// Called with a status line for the service manager ("training job … epoch 3/100").
    let status: @Sendable (String) -> Void
    /// `retain_finished_jobs`, when set: how many finished jobs stay, and their sweeps.
    private(set) var retention: FinishedJobRetention?

    /// `leases` is the shared store's queue of claims (the same store, seen as that), nil
    /// for a store this daemon has to itself: the caller knows which it built.
    public init(store: any JobStore, leases: (any JobLeases)? = nil, artifacts: any JobArtifacts, datasets: any DatasetProvider,
                references: QualityReferences, gate: BLASGate, notifier: EpochNotifier,
                maxQueuedJobs: Int, concurrentJobs: Int, lanes: LaneCountSetting = .fixed(1), retainFinishedJobs: Int? = nil,
                diskSpace: DiskSpace? = nil, logger: Logger = .silent, status: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.artifacts = artifacts
        self.leases = leases
        self.datasets = datasets
        self.references = references
        self.gate = gate
        self.notifier = notifier
        self.maxQueuedJobs = maxQueuedJobs
        self.concurrentJobs = concurrentJobs
        self.lanes = lanes
        self.diskSpace = diskSpace
        self.logger = logger
        self.status = status
        if let keep = retainFinishedJobs {
            // Set once here, before the scheduler is shared: the trigger holds it weakly.
            retention = FinishedJobRetention(keep: keep, trigger: CoalescingTrigger(label: "gantry.retention") { [weak self] in
                self?.sweepFinishedJobs(keep: keep)
            })
        }
        if let leases { startRenewing(leases) }
    }

    /// Puts back in line every job the last process left queued or in flight, oldest first.
    public func restore() throws {
        sweepFinishedJobsSoon()
        guard leases == nil else { return pump() }
        let unfinished = try store.unfinishedJobs()
        // In-flight jobs resume before jobs that never started.
        lock.withLock {
            pending = unfinished.filter { $0.status != .queued }.map(\.id) + unfinished.filter { $0.status == .queued }.map(\.id)
        }
        for job in unfinished where job.status != .queued {
            logger.notice("job \(job.id) was interrupted by the last stop (\(job.status.rawValue)); it resumes after epoch \(job.epochsCompleted)",
                          metadata: ["job": "\(job.id)"])
        }
        pump()
    }

    // MARK: Requests

    /// Creates a job, or with an idempotency key returns the job a previous identical request
    /// made; `requestHash` names the request's canonical form (the API hashes it), and a
    /// retry with the key must bring the same one.
    ///
    /// `creating` orders creations (two requests with one key make one job; across
    /// nodes, the key's unique index does); the scheduler's `lock` is held only around the
    /// in-memory queue, never across a store call.
    public func create(config: JobConfig, requestHash hash: String, idempotencyKey: String?) throws -> (job: Job, created: Bool) {
        try creating.withLock {
            if let key = idempotencyKey, let existing = try store.job(idempotencyKey: key) {
                guard existing.requestHash == hash else {
                    throw SchedulerRefusal.idempotencyConflict(key: key, job: existing.id)
                }
                return (existing, false)
            }
            let queued = try leases?.queuedCount()
            try lock.withLock {
                guard !stopping else { throw SchedulerRefusal.shuttingDown }
                let waiting = queued ?? pending.count
                guard waiting < maxQueuedJobs else { throw SchedulerRefusal.queueFull(queued: waiting, limit: maxQueuedJobs) }
            }
            try admitOnDisk(config)
            let job = Job(id: Job.newID(), status: .queued, createdAt: Date(), startedAt: nil, finishedAt: nil, config: config,
                          epochsCompleted: 0, stepsPerEpoch: nil, imagesPerSecond: nil, latest: nil, error: nil,
                          idempotencyKey: idempotencyKey, requestHash: hash)
            do {
                try store.insert(job)
            } catch {
                // Another node may have taken the key a moment ago (the keys are unique
                // in the shared store): its job is this request's answer.
                if let key = idempotencyKey, let existing = try? store.job(idempotencyKey: key) {
                    guard existing.requestHash == hash else { throw SchedulerRefusal.idempotencyConflict(key: key, job: existing.id) }
                    return (existing, false)
                }
                throw error
            }
            if leases == nil { lock.withLock { pending.append(job.id) } }
            DispatchQueue.global().async { self.pump() }
            return (job, true)
        }
    }

    /// Refuses a job whose disk estimate does not fit the state folder's free space beside
    /// what the unfinished jobs may still write. Called under `creating`, so two requests
    /// cannot both count the same free space.
    private func admitOnDisk(_ config: JobConfig) throws {
        guard let diskSpace, let available = diskSpace.availableBytes() else { return }
        // As the API shows them: a cancel the store could not record promises nothing.
        let unfinished = effective(try store.unfinishedJobs(), status: nil).filter { !$0.status.isFinished }
        let promised = unfinished.reduce(0) { $0 + $1.config.diskBytesStillToWrite(epochsCompleted: $1.epochsCompleted) }
        let needed = config.diskEstimateBytes
        guard needed <= available - promised else {
            throw SchedulerRefusal.insufficientStorage(needed: needed, available: available, promised: promised, jobs: unfinished.count)
        }
    }

    /// Stops a queued or running job; it keeps its last checkpoint and epochs.
    ///
    /// The job stops even when the store cannot record it: the cancel is then kept in
    /// memory (the API shows the job cancelled) and the call throws, so the client
    /// hears that the record failed; the next start sees the job as it was stored.
    public func cancel(_ id: String) throws -> Job {
        let stored: Job?
        do {
            stored = try store.job(id: id)
        } catch {
            // A job this process holds (queued or running) is stopped even when the store
            // cannot be read; the failure is still reported.
            guard lock.withLock({ pending.contains(id) || active[id] != nil }) else { throw error }
            _ = try stop(id)
            throw error
        }
        guard let stored else { throw SchedulerRefusal.noSuchJob(id) }
        let job = effective(stored)
        guard !job.status.isFinished else { return job }
        let running = try stop(id)
        defer { sweepFinishedJobsSoon() }
        // Training stops at its next step (milliseconds); answering after that means a
        // DELETE that follows the cancel finds the job at rest. (A download cannot be
        // interrupted, so a downloading job is not waited for.)
        if let running, job.status == .running { _ = running.waitUntilFinished(seconds: 5) }
        return effective(try store.job(id: id) ?? job)
    }

    /// Takes job `id` out of the queue, asks its run (if any) to stop, and records it
    /// cancelled; when the store cannot record it, the status is kept in memory and the
    /// failure rethrown. Returns the run, to wait for.
    private func stop(_ id: String) throws -> ActiveJob? {
        let running: ActiveJob? = lock.withLock {
            pending.removeAll { $0 == id }
            return active[id]
        }
        defer { notifier.notify(id) }
        do {
            let write = { try self.store.setStatus(id, .cancelled, finishedAt: Date(), error: nil) }
            guard let running else {
                try write()
                return nil
            }
            try running.statusWrites.withLock {
                running.requestCancel()
                try write()
            }
            return running
        } catch {
            lock.withLock { unrecorded[id] = UnrecordedStatus(status: .cancelled, error: nil) }
            throw error
        }
    }

    /// Forgets a finished job and its files. A job cancelled a moment ago may still be
    /// finishing its current step; that is waited for (it takes milliseconds).
    public func delete(_ id: String) throws {
        for attempt in 0..<2 {
            guard let stored = try store.job(id: id) else { throw SchedulerRefusal.noSuchJob(id) }
            let job = effective(stored)
            guard job.status.isFinished else {
                throw SchedulerRefusal.notFinished(job: id, status: job.status)
            }
            guard let stopping = lock.withLock({ active[id] }) else {
                lock.withLock { _ = deleting.insert(id) }
                defer { lock.withLock { _ = deleting.remove(id) } }
                try artifacts.delete(id) { try store.delete(id) }
                lock.withLock { _ = unrecorded.removeValue(forKey: id) }
                return
            }
            if attempt == 0 { _ = stopping.waitUntilFinished(seconds: 5) }
        }
        throw SchedulerRefusal.stillStopping(job: id)
    }

    /// Whether job `id` is gone or going: deleted since a reader looked it up, or being
    /// deleted now. A read that found its files missing answers 404 then, not a 500.
    public func isDeletedOrDeleting(_ id: String) -> Bool {
        if lock.withLock({ deleting.contains(id) }) { return true }
        do { return try store.job(id: id) == nil } catch { return false }
    }

    /// The job as the API shows it: the store's record, unless a status the store could
    /// not take (a failure, a cancel on a full disk) is kept in memory. Every view of a
    /// job (one job, lists, filters, metrics, cancel, delete) goes through here, so a job
    /// has one status whatever failed.
    public func effective(_ job: Job) -> Job {
        guard let override = lock.withLock({ unrecorded[job.id] }), !job.status.isFinished else { return job }
        var shown = job
        shown.status = override.status
        shown.error = override.error
        return shown
    }

    /// `jobs` as the API shows them, filtered by their effective status.
    public func effective(_ jobs: [Job], status: JobStatus?) -> [Job] {
        let shown = jobs.map(effective)
        guard let status else { return shown }
        return shown.filter { $0.status == status }
    }

    /// Whether the scheduler's lock can be taken within `seconds`: a liveness check.
    public func responds(within seconds: Double) -> Bool {
        guard lock.lock(before: Date().addingTimeInterval(seconds)) else { return false }
        lock.unlock()
        return true
    }

    package func activeJob(_ id: String) -> ActiveJob? { lock.withLock { active[id] } }

    public var queuedCount: Int {
        if let leases, let queued = try? leases.queuedCount() { return queued }
        return lock.withLock { pending.count }
    }

    /// The ids of the jobs this process trains now.
    public var runningHere: [String] { lock.withLock { active.keys.sorted() } }

    /// Images per second summed over the jobs training now.
    public func runningImagesPerSecond() -> Double {
        let ids = lock.withLock { Array(active.keys) }
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
        renewal?.cancel()
        lock.withLock {
            stopping = true
            for job in active.values { job.requestShutdown() }
        }
    }

    // MARK: Running

    package func pump() {
        if let leases { return claimAndStart(leases) }
        let starting: [(String, ActiveJob)] = lock.withLock {
            var starting: [(String, ActiveJob)] = []
            while !stopping, active.count < concurrentJobs, !pending.isEmpty {
                let id = pending.removeFirst()
                let job = ActiveJob(id: id)
                active[id] = job
                starting.append((id, job))
            }
            return starting
        }
        launch(starting)
    }

    /// Starts each job's run on its own thread; when it ends, the job leaves the table,
    /// its lease (if any) is given up, and the next job is pumped in.
    func launch(_ starting: [(String, ActiveJob)]) {
        for (id, job) in starting {
            running.enter()
            JobThread.start(named: "gantry.job.\(id)") {
                self.run(id, job)
                self.lock.withLock { self.active[id] = nil }
                if let leases = self.leases {
                    do { try leases.release(id) } catch {
                        self.logger.warning("job \(id): cannot give up its lease (\(error)); it lapses by itself", metadata: ["job": "\(id)"])
                    }
                }
                job.markFinished()
                self.notifier.notify(id)
                self.running.leave()
                self.sweepFinishedJobsSoon()
                self.pump()
            }
        }
    }

    /// Takes `ids` into the table of running jobs (claimed ones), unless shutting down.
    func admit(_ ids: [String]) -> [(String, ActiveJob)] {
        lock.withLock {
            ids.filter { active[$0] == nil }.map { id in
                let job = ActiveJob(id: id)
                active[id] = job
                return (id, job)
            }
        }
    }

    /// Free slots now: `concurrentJobs` less the jobs running, none while stopping.
    package var freeSlots: Int { lock.withLock { stopping ? 0 : max(0, concurrentJobs - active.count) } }

    /// The jobs running here, for lease renewal.
    var activeJobs: [ActiveJob] { lock.withLock { Array(active.values) } }
}

/// A status a job reached that the store could not record.
struct UnrecordedStatus: Sendable {
    let status: JobStatus
    let error: String?
}
