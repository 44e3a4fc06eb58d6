/// One parsed request, as a handler sees it.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as received (`/v1/jobs?status=running`).
    public var target: String
    /// The path part of the target, still percent-encoded (`/v1/jobs/a%20b`).
    public var path: String
    /// The path split on `/` and percent-decoded (`["v1", "jobs", "a b"]`).
    /// An encoded slash (`%2F`) stays inside its segment. `/` alone is `[]`.
    public var pathSegments: [String]
    /// Query items in order, percent-decoded, `+` read as a space.
    public var queryItems: [QueryItem]
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Values of the `{name}` segments of the route that matched; filled by the router.
    public var pathParameters: [String: String] = [:]

    public init(
        method: HTTPMethod,
        target: String,
        path: String,
        pathSegments: [String],
        queryItems: [QueryItem] = [],
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.pathSegments = pathSegments
        self.queryItems = queryItems
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The first query value with that name (`?since=3` → `query("since") == "3"`).
    public func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// A `{name}` segment of the matched route.
    public func parameter(_ name: String) -> String? { pathParameters[name] }

    /// Whether the client wants the connection kept open after the response:
    /// by default in 1.1 unless it says `close`; in 1.0 only if it says `keep-alive`.
    public var wantsKeepAlive: Bool {
        if version == .http1_1 { return !headers.hasToken("close", in: "Connection") }
        return headers.hasToken("keep-alive", in: "Connection") && !headers.hasToken("close", in: "Connection")
    }
}

/// One `name=value` pair of a query string. `?flag` has an empty value.
public struct QueryItem: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
