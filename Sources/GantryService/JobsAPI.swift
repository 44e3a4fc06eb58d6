import Foundation
import GAN
import HTTPServer

/// The `/v1/jobs` handlers that create, list, show, cancel and delete jobs and report losses.
struct JobsAPI: Sendable {
    let scheduler: Scheduler
    let store: JobStore
    let notifier: EpochNotifier
    let datasets: Set<String>
    let memoryBudgetBytes: Int

    func view(_ job: Job) -> JobView {
        JobView(job: scheduler.effective(job), progress: scheduler.activeJob(job.id)?.progress)
    }

    func job(_ request: HTTPRequest) throws -> Job {
        let id = try request.jobID()
        guard let job = try store.job(id: id) else { throw APIError.notFound(job: id) }
        return job
    }

    func create(_ request: HTTPRequest) throws -> HTTPResponse {
        let config = try JobRequest.parse(request.body, datasets: datasets, memoryBudgetBytes: memoryBudgetBytes)
        let key = request.headers["Idempotency-Key"]
        if let key, key.isEmpty || key.utf8.count > 255 {
            throw APIError(.badRequest, "invalid_parameter", "Idempotency-Key must be 1 to 255 characters")
        }
        let (job, created) = try scheduler.create(config: config, body: request.body, idempotencyKey: key)
        var response = try APIJSON.response(view(job), status: created ? .created : .ok)
        response.headers.set("Location", "/v1/jobs/\(job.id)")
        if !created { response.headers.set("Idempotent-Replayed", "true") }
        return response
    }

    func list(_ request: HTTPRequest) throws -> HTTPResponse {
        var status: JobStatus?
        if let text = request.query("status") {
            guard let value = JobStatus(rawValue: text) else {
                throw APIError(.badRequest, "invalid_parameter",
                               "status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = value
        }
        let jobs = try store.jobs(status: status)
        return try APIJSON.response(["jobs": jobs.map(view)])
    }

    func show(_ request: HTTPRequest) throws -> HTTPResponse {
        try APIJSON.response(view(job(request)))
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
    func losses(_ request: HTTPRequest, _ responder: Responder, answered: @escaping @Sendable (HTTPResponse) -> Void) throws {
        let id = try request.jobID()
        let since = try request.integer("since", in: 0...Int(Int32.max), default: 0)
        let wait = try request.integer("wait", in: 0...60, default: 0)
        guard try store.job(id: id) != nil else { throw APIError.notFound(job: id) }
        let store = self.store
        @Sendable func answer() {
            do {
                guard let job = try store.job(id: id) else { throw APIError.notFound(job: id) }
                let response = try APIJSON.response(LossesView(jobID: id, status: job.status.rawValue, epochs: store.epochs(of: id, after: since)))
                answered(response)
                responder.respond(response)
            } catch {
                let response = (error as? APIError)?.response ?? APIError(.internalServerError, "internal", "\(error)").response
                answered(response)
                responder.respond(response)
            }
        }
        if wait > 0 {
            // Register before looking, so an epoch that lands in between still wakes us.
            notifier.wait(for: id, timeout: Double(wait)) { _ in answer() }
            guard let job = try store.job(id: id) else { throw APIError.notFound(job: id) }
            if job.status.isFinished || job.epochsCompleted > since { answer() }
        } else {
            answer()
        }
    }
}
