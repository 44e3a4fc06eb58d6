/// One answered (or refused) request, for access logs and request metrics.
/// Handed to `HTTPServer`'s `accessLog` on the connection's queue, so the
/// closure should be quick (count, or hand the record to a logger's queue).
public struct AccessRecord: Sendable {
    /// Nil when the request was refused before it could be parsed.
    public var method: HTTPMethod?
    /// The request-target as received, or nil when refused before parsing.
    public var target: String?
    public var status: Int
    /// Body bytes of the response (0 for HEAD).
    public var bodyBytes: Int
    /// From the complete request to its response being queued for sending.
    public var seconds: Double
}
