/// What a handler answers. The server adds `Content-Length`, `Date` and
/// `Connection` itself, so handlers cannot get the framing wrong.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Kept alive by the server until the body's last byte is written or its connection
    /// closes, then let go: a handler that bounds the memory of large bodies in flight
    /// hands one over and learns from its `deinit` that the bytes are no longer held.
    public var bodyOwner: (any AnyObject & Sendable)?

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                bodyOwner: (any AnyObject & Sendable)? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyOwner = bodyOwner
    }

    /// A plain-text response (`text/plain; charset=utf-8`).
    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// A response whose body is already-encoded JSON.
    public static func json(bytes: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": jsonContentType], body: bytes)
    }

    /// The error shape every API error uses:
    /// `{"error": {"code": "...", "message": "..."}}`.
    public static func error(_ status: HTTPStatus, code: String, message: String) -> HTTPResponse {
        HTTPError(status, code: code, message: message).response
    }

    public static let jsonContentType = "application/json; charset=utf-8"
}
