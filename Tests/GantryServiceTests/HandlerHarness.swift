import Foundation
import HTTPServer
@testable import GantryJobs
@testable import GantryAPI

/// Calls a handler as the router would, without a socket: builds the request and
/// answers a thrown error as the HTTP layer does (`ErrorResponses`).
struct HandlerHarness {
    let failures = ErrorResponses(logger: .silent)

    /// `path` is `/v1/jobs/ID/…`; the third segment becomes the `id` parameter, and
    /// `parameters` adds the route's others (such as `n`).
    func request(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: String = "",
                 headers: [(String, String)] = [], parameters: [String: String] = [:]) -> HTTPRequest {
        let segments = path.split(separator: "/").map(String.init)
        var request = HTTPRequest(method: method, target: path, path: path, pathSegments: segments,
                                  queryItems: query.map { QueryItem(name: $0.0, value: $0.1) },
                                  headers: HTTPHeaders(headers), body: Array(body.utf8))
        if segments.count >= 3 { request.pathParameters = ["id": segments[2]] }
        request.pathParameters.merge(parameters) { $1 }
        return request
    }

    /// What the client would get: the handler's response, or its error as the HTTP layer answers it.
    func answer(_ body: () throws -> HTTPResponse, _ request: HTTPRequest) -> HTTPResponse {
        do { return try body() } catch { return failures.answer(for: error, to: request) }
    }

    func json(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }

    /// The `error.code` of a JSON error body.
    func code(_ response: HTTPResponse) -> String? {
        (json(response)["error"] as? [String: Any])?["code"] as? String
    }

    func message(_ response: HTTPResponse) -> String {
        (json(response)["error"] as? [String: Any])?["message"] as? String ?? ""
    }
}
