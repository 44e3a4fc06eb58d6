import HTTPServer

/// A refusal with its status, a stable machine-readable code and a sentence for a person.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// Every code the API answers with (docs/api.md), so a client can rely on the set.
    public enum Code: String, Sendable, CaseIterable {
        case invalidParameter = "invalid_parameter"
        case notFound = "not_found"
        case noEpochYet = "no_epoch_yet"
        case invalidJson = "invalid_json"
        case checkpointUnreadable = "checkpoint_unreadable"
        case unknownField = "unknown_field"
        case unknownParameter = "unknown_parameter"
        case unauthorized
        case storeUnavailable = "store_unavailable"
        case samplesMissing = "samples_missing"
        case overBudget = "over_budget"
        case noGenerator = "no_generator"
        case noEvaluationYet = "no_evaluation_yet"
        case `internal`
        case generatorNotKept = "generator_not_kept"
        case busy
        case idempotencyConflict = "idempotency_conflict"
        case shuttingDown = "shutting_down"
        case queueFull = "queue_full"
        case insufficientStorage = "insufficient_storage"
        case jobNotFinished = "job_not_finished"
        case jobStopping = "job_stopping"
        case hostNotAllowed = "host_not_allowed"
        case crossOrigin = "cross_origin"
        case unsupportedMediaType = "unsupported_media_type"
        case notConditional = "not_conditional"
        case datasetTooSmall = "dataset_too_small"
    }

    public var status: HTTPStatus
    public var code: Code
    public var message: String
    public var headers: [(String, String)] = []

    public init(_ status: HTTPStatus, _ code: Code, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public var response: HTTPResponse {
        var response = HTTPResponse.error(status, code: code.rawValue, message: message)
        for (name, value) in headers { response.headers.set(name, value) }
        return response
    }

    static func notFound(job id: String) -> APIError { APIError(.notFound, .notFound, "no job with id \(id)") }
}
