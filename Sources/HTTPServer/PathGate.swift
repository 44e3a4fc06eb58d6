/// A check that must hold for a whole path prefix (authentication), as middleware.
/// The prefix and its exempt paths are matched as decoded segments, the segments
/// routing matches, so no spelling of a path (`/v%31/jobs`, absolute-form) reaches a
/// route past its gate, and no other spelling of an exempt path lets another through.
public struct PathGate: Middleware {
    /// Answers a request the gate covers: a refusal (returned, or thrown and mapped by
    /// the pipeline's `response(for:to:)`), or nil to let it through.
    public typealias Check = @Sendable (HTTPRequest) throws -> HTTPResponse?

    let prefix: [String]
    let exempt: [[String]]
    let check: Check

    /// Covers every path equal to `prefix` or under `prefix/`, except `exempt`.
    public init(_ prefix: String, except exempt: [String] = [], _ check: @escaping Check) {
        self.prefix = RoutePattern(prefix).literalSegments
        self.exempt = exempt.map { RoutePattern($0).literalSegments }
        self.check = check
    }

    func covers(_ segments: [String]) -> Bool {
        segments.starts(with: prefix) && !exempt.contains(segments)
    }

    public func receive(_ request: inout HTTPRequest) throws -> HTTPResponse? {
        covers(request.pathSegments) ? try check(request) : nil
    }
}
