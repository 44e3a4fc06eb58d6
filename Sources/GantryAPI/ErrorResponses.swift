import Foundation
import Logging
import HTTPServer
import GantryJobs

/// Turns what a handler threw into the response a client sees. A refusal (`APIError`)
/// is shown as it is; anything else gets a generic sentence with the request's id (its
/// `X-Request-Id`), and its details go to the log only, so internal paths and SQL never
/// reach a client. The pipeline's error mapping: every route's errors pass through it.
struct ErrorResponses: Middleware {
    let logger: Logger

    /// The pipeline's hook: every error has an answer here, so no later stage maps one.
    func response(for error: any Error, to request: HTTPRequest) -> HTTPResponse? {
        answer(for: error, to: request)
    }

    func answer(for error: any Error, to request: HTTPRequest) -> HTTPResponse {
        if let refusal = error as? APIError { return refusal.response }
        if let refusal = error as? SchedulerRefusal { return Self.apiError(for: refusal).response }
        let id = request.headers[RequestIdentity.header] ?? "-"
        logger.error("request failed: \(error)", metadata: ["request": "\(id)", "route": "\(request.method.rawValue) \(request.path)"])
        var failure: APIError
        if let lost = error as? DatabaseFileLost {
            // No Retry-After: retrying cannot help until an operator restores the database.
            failure = APIError(.serviceUnavailable, .storeUnavailable, "\(lost.description) (request \(id))")
        } else if error is StoreFailure {
            failure = APIError(.serviceUnavailable, .storeUnavailable,
                               "the job store failed to answer (request \(id); the daemon's log has the details); retry later")
            failure.headers = [("Retry-After", "5")]
        } else if error is StateFolderUnwritable {
            failure = APIError(.serviceUnavailable, .storeUnavailable,
                               "the state folder refused the change (read-only, immutable or without permission; request \(id), "
                               + "the daemon's log has the details): make it writable, then retry")
            failure.headers = [("Retry-After", "5")]
        } else {
            failure = APIError(.internalServerError, .internal, "internal error (request \(id); the daemon's log has the details)")
        }
        return failure.response
    }

    /// The status, code and headers of each thing the scheduler refuses.
    static func apiError(for refusal: SchedulerRefusal) -> APIError {
        let message = refusal.description
        switch refusal {
        case .noSuchJob: return APIError(.notFound, .notFound, message)
        case .idempotencyConflict: return APIError(.conflict, .idempotencyConflict, message)
        case .shuttingDown: return APIError(.serviceUnavailable, .shuttingDown, message)
        case .queueFull:
            var error = APIError(.tooManyRequests, .queueFull, message)
            error.headers = [("Retry-After", "30")]
            return error
        // No Retry-After: space returns when someone frees it, not after a delay.
        case .insufficientStorage: return APIError(.insufficientStorage, .insufficientStorage, message)
        case .notFinished: return APIError(.conflict, .jobNotFinished, message)
        case .stillStopping: return APIError(.conflict, .jobStopping, message)
        }
    }
}
