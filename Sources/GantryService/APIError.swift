import HTTPServer

/// A refusal with its status, a stable machine-readable code and a sentence for a person.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPStatus
    public var code: String
    public var message: String
    public var headers: [(String, String)] = []

    public init(_ status: HTTPStatus, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public var response: HTTPResponse {
        var response = HTTPResponse.error(status, code: code, message: message)
        for (name, value) in headers { response.headers.set(name, value) }
        return response
    }

    static func notFound(job id: String) -> APIError { APIError(.notFound, "not_found", "no job with id \(id)") }
}
