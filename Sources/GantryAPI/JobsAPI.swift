import Foundation
import Synchronization
import GAN
import HTTPServer
import GantryJobs

/// The `/v1/jobs` handlers that create, list, show, cancel and delete jobs and report losses.
package struct JobsAPI: Sendable {
    let scheduler: Scheduler
    let references: QualityReferences
    let store: any JobStore
    let notifier: EpochNotifier
    let datasets: Set<String>
    let memoryBudgetBytes: Int
    /// `disk_budget_bytes`: the most one job's disk estimate may be.
    var diskBudgetBytes = Int.max
    /// Each dataset's image count, for the memory estimate.
    var datasetImages: [String: Int] = [:]
    /// The training sets on disk, to refuse a batch larger than its set at once.
    var trainingSets: TrainingSetSizes?
    /// Encoded loss lists: polled over and over between epochs, they change only when an epoch lands.
    let lossResponses = ResponseCache()
    let viewResponses = ResponseCache()

    package init(scheduler: Scheduler, references: QualityReferences, store: any JobStore, notifier: EpochNotifier,
                 datasets: Set<String>, memoryBudgetBytes: Int, diskBudgetBytes: Int = Int.max,
                 datasetImages: [String: Int] = [:], trainingSets: TrainingSetSizes? = nil) {
        self.scheduler = scheduler
        self.references = references
        self.store = store
        self.notifier = notifier
        self.datasets = datasets
        self.memoryBudgetBytes = memoryBudgetBytes
        self.diskBudgetBytes = diskBudgetBytes
        self.datasetImages = datasetImages
        self.trainingSets = trainingSets
    }

    func view(_ job: Job) -> JobView {
        JobView(job: scheduler.effective(job), progress: scheduler.activeJob(job.id)?.progress,
                reference: job.lastEvaluated == nil ? nil : references.summary(for: job.config.dataset))
    }

    func job(_ request: HTTPRequest) throws -> Job {
        let id = try request.jobID()
        guard let job = try store.job(id: id) else { throw APIError.notFound(job: id) }
        return scheduler.effective(job)
    }

    /// Answers with `body` about the job `request` names. A job deleted while `body` read
    /// its files (which then were missing, or half there) answers 404, whatever `body` made
    /// of the missing files: the row lookup came first, the delete won the race.
    func aboutJob(_ request: HTTPRequest, _ body: (Job) throws -> HTTPResponse) throws -> HTTPResponse {
        let job = try job(request)
        do {
            return try body(job)
        } catch {
            if scheduler.isDeletedOrDeleting(job.id) { throw APIError(.notFound, .notFound, "job \(job.id) was deleted") }
            throw error
        }
    }

    func create(_ request: HTTPRequest) throws -> HTTPResponse {
        let parsed = try JobRequest.parseRequest(request.body, datasets: datasets, memoryBudgetBytes: memoryBudgetBytes,
                                                 diskBudgetBytes: diskBudgetBytes, datasetImages: datasetImages)
        let config = parsed.config
        if let images = trainingSets?.trainingImages(of: config.dataset), config.training.batchSize > images {
            // Within batch_size's range, and more than this dataset holds: a conflict with the dataset.
            throw APIError(.conflict, .datasetTooSmall,
                           "batch_size \(config.training.batchSize) is larger than the \(images) training images of \(config.dataset)")
        }
        let key = request.headers["Idempotency-Key"]
        if let key, key.isEmpty || key.utf8.count > 255 {
            throw APIError(.badRequest, .invalidParameter, "Idempotency-Key must be 1 to 255 characters")
        }
        let (job, created) = try scheduler.create(config: config, requestHash: parsed.hash, idempotencyKey: key)
        var response = try APIJSON.response(view(job), status: created ? .created : .ok)
        response.headers.set("Location", "/v1/jobs/\(job.id)")
        if !created { response.headers.set("Idempotent-Replayed", "true") }
        return response
    }

    func list(_ request: HTTPRequest) throws -> HTTPResponse {
        var status: JobStatus?
        if let text = request.query("status") {
            guard let value = JobStatus(rawValue: text) else {
                throw APIError(.badRequest, .invalidParameter,
                               "status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = value
        }
        let limit = try request.integer("limit", in: JobListView.limits, default: JobListView.defaultLimit)
        var before: Int64?
        if let text = request.query("cursor") {
            guard let cursor = JobListCursor(text) else {
                // Shaped like a cursor, it names a page, and no such page exists: a 404, as
                // an unknown job id is. Anything else is not a cursor at all.
                guard JobListCursor.isShapedLikeOne(text) else {
                    throw APIError(.badRequest, .invalidParameter, "cursor must be the 18 characters of base64url a next_cursor gives")
                }
                throw APIError(.notFound, .notFound, "cursor is not one this server gave; start again without it")
            }
            before = cursor.before
        }
        let page = try scheduler.jobPage(status: status, before: before, limit: limit)
        return try APIJSON.response(JobListView(jobs: page.jobs.map(view), nextCursor: page.next.map { JobListCursor(before: $0).text }))
    }

    /// Encoded once per state of the job: its store generation (bumped by every write
    /// of it), what the scheduler overlays, its live step and the dataset reference.
    /// JSON encoding was most of a GET's cost, and pollers ask many times per step.
    func show(_ request: HTTPRequest) throws -> HTTPResponse {
        let id = try request.jobID()
        // Read before the job: a write in between pairs an older generation with the
        // newer job, a key no later request asks for, never the other way round.
        let generation = store.generation(of: id)
        guard let job = try store.job(id: id) else { throw APIError.notFound(job: id) }
        return try render(job, generation: generation)
    }

    /// `show`, when the store holds the job in memory (nil otherwise): no disk and no
    /// wait, so it runs on the connection's queue and skips the pool's thread hand-off,
    /// which cost a quarter of a polled GET's throughput.
    func showIfCached(_ request: HTTPRequest) -> HTTPResponse? {
        guard let id = try? request.jobID() else { return nil }
        let generation = store.generation(of: id)
        guard let job = store.cachedJob(id: id),
              job.lastEvaluated == nil || references.cachedSummary(for: job.config.dataset) != nil else { return nil }
        return try? render(job, generation: generation)
    }

    /// The loss records after `since` without waiting, when the store holds the job
    /// and its records in memory (nil otherwise, or when the request asks to wait).
    func lossesIfCached(_ request: HTTPRequest) -> HTTPResponse? {
        guard let id = try? request.jobID(), let since = try? request.integer("since", in: 0...Int(Int32.max), default: 0),
              (try? request.integer("wait", in: 0...60, default: 0)) == 0,
              let stored = store.cachedJob(id: id), let epochs = store.cachedEpochs(of: id) else { return nil }
        let job = scheduler.effective(stored)
        let key = "\(id) \(since) \(job.epochsCompleted) \(job.status.rawValue)"
        return try? lossResponses.response(for: key) {
            try APIJSON.response(LossesView(jobID: id, status: job.status.rawValue, epochs: epochs.filter { $0.epoch > since }))
        }
    }

    private func render(_ job: Job, generation: Int) throws -> HTTPResponse {
        let id = job.id
        let shown = view(job)
        let key = "\(id) \(generation) \(shown.job.status.rawValue) \(shown.job.error?.utf8.count ?? -1) "
            + "\(shown.progress?.step ?? -1) \(shown.progress?.phase.rawValue ?? "-") \(shown.progress?.phaseFraction ?? -1) "
            + "\(shown.reference?.builtAt ?? "-")"
        return try viewResponses.response(for: key) { try APIJSON.response(shown) }
    }

    func cancel(_ request: HTTPRequest) throws -> HTTPResponse {
        try APIJSON.response(view(scheduler.cancel(request.jobID())))
    }

    func delete(_ request: HTTPRequest) throws -> HTTPResponse {
        try scheduler.delete(request.jobID())
        return HTTPResponse(status: .noContent)
    }

    struct LossesView: Encodable {
        let jobID: String
        let status: String
        let epochs: [EpochLosses]
        enum CodingKeys: String, CodingKey { case jobID = "job_id", status, epochs }
    }

    /// Epochs after `since`; with `wait`, held until a newer epoch exists or the job ends.
    func losses(_ request: HTTPRequest, _ responder: Responder) throws {
        let id = try request.jobID()
        let since = try request.integer("since", in: 0...Int(Int32.max), default: 0)
        let wait = try request.integer("wait", in: 0...60, default: 0)
        guard try store.job(id: id) != nil else { throw APIError.notFound(job: id) }
        let store = self.store, scheduler = self.scheduler
        let once = Once()
        @Sendable func answer() {
            guard once.claim() else { return }
            do {
                let lossResponses = self.lossResponses
                guard let stored = try store.job(id: id) else { throw APIError.notFound(job: id) }
                let job = scheduler.effective(stored)
                let key = "\(id) \(since) \(job.epochsCompleted) \(job.status.rawValue)"
                let response = try lossResponses.response(for: key) {
                    try APIJSON.response(LossesView(jobID: id, status: job.status.rawValue, epochs: store.epochs(of: id, after: since)))
                }
                responder.respond(response)
            } catch {
                responder.fail(error)
            }
        }
        if wait > 0 {
            waitForEpoch(after: since, of: id, until: Date().addingTimeInterval(Double(wait)), answer: answer)
        } else {
            answer()
        }
    }

    /// Answers once the job has an epoch after `since` or has finished, or at `deadline`.
    /// Any event for the job wakes the waiter, which looks again and waits on if the
    /// event was not the one it wants (an epoch at or before `since`, a status change).
    private func waitForEpoch(after since: Int, of id: String, until deadline: Date, answer: @escaping @Sendable () -> Void) {
        // Register before looking, so an epoch that lands in between still wakes us.
        let store = self.store, notifier = self.notifier, scheduler = self.scheduler
        let token = notifier.wait(for: id, timeout: max(0, deadline.timeIntervalSinceNow)) { woken in
            guard woken, deadline.timeIntervalSinceNow > 0.01 else { return answer() }
            guard let job = (try? store.job(id: id)).flatMap({ $0.map(scheduler.effective) }), !job.status.isFinished,
                  job.epochsCompleted <= since else { return answer() }
            self.waitForEpoch(after: since, of: id, until: deadline, answer: answer)
        }
        // Answered now: the waiter goes, or it would count as a waiting poll until its deadline.
        guard let job = (try? store.job(id: id)).flatMap({ $0.map(scheduler.effective) }) else {
            notifier.cancel(job: id, token: token)
            return answer()
        }
        if job.status.isFinished || job.epochsCompleted > since {
            notifier.cancel(job: id, token: token)
            answer()
        }
    }
}

/// True for the first caller only: a long-poll answers once, however many wake-ups race.
final class Once: Sendable {
    private let claimed = Atomic(false)

    func claim() -> Bool {
        claimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }
}

/// A small map from a key to a finished response; emptied when it grows past its bound.
final class ResponseCache: Sendable {
    private let entries = Mutex<[String: HTTPResponse]>([:])
    private let bound = 256

    func response(for key: String, make: () throws -> HTTPResponse) rethrows -> HTTPResponse {
        if let hit = entries.withLock({ $0[key] }) { return hit }
        // Made outside the lock: encoding a job's view is the slow part, and two makers
        // of one key make the same bytes.
        let made = try make()
        entries.withLock { entries in
            if entries.count >= bound { entries.removeAll(keepingCapacity: true) }
            entries[key] = made
        }
        return made
    }
}
