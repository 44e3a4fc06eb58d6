import Foundation
import HTTPServer

/// Turns what a handler threw into the response a client sees. A refusal (`APIError`)
/// is shown as it is; anything else gets a generic sentence with a request id, and its
/// details go to the log only, so internal paths and SQL never reach a client.
struct ErrorResponses: Sendable {
    let log: @Sendable (String) -> Void

    func response(for error: any Error, to request: HTTPRequest) -> HTTPResponse {
        if let refusal = error as? APIError { return refusal.response }
        let id = Self.requestID()
        log("request \(id) (\(request.method.rawValue) \(request.path)) failed: \(error)")
        var failure: APIError
        if error is StoreFailure {
            failure = APIError(.serviceUnavailable, "store_unavailable",
                               "the job store failed to answer (request \(id); the daemon's log has the details); retry later")
            failure.headers = [("Retry-After", "5")]
        } else {
            failure = APIError(.internalServerError, "internal", "internal error (request \(id); the daemon's log has the details)")
        }
        return failure.response
    }

    /// Twelve lowercase letters and digits: enough to find one line in a log.
    static func requestID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<12).map { _ in alphabet.randomElement()! })
    }
}
