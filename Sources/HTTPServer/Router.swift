/// Maps method + path pattern to handlers. Build it, then hand it to the server;
/// it is an immutable value from then on, so lookups need no lock.
///
/// Two kinds of handler:
/// - `get("/healthz") { request in HTTPResponse }` answers at once, on the
///   connection's queue. It must not block: the queue is shared with the
///   connection's I/O.
/// - `add(.get, "/v1/jobs/{id}/losses") { request, responder in … }` may keep the
///   `Responder` and answer later from any queue (long-polling) without holding a
///   thread. Dropping it without answering sends a 500.
///
/// A handler that throws `HTTPError` sends that error; any other error a 500
/// with `{"error":{"code":"internal",…}}`. The server goes on either way.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest, Responder) throws -> Void
    public typealias ImmediateHandler = @Sendable (HTTPRequest) throws -> HTTPResponse

    struct Route: Sendable {
        let method: HTTPMethod
        let pattern: RoutePattern
        let handler: Handler
    }

    /// Answers a request before routing, or lets it through (nil). Checks that must hold
    /// for a whole prefix (authentication) go here, so that an unauthenticated client
    /// learns nothing about routes or methods from a 404 or a 405.
    public typealias Gate = PathGate.Check

    private var routes: [Route] = []
    /// The middleware every request passes through, in the order added.
    private(set) var pipeline = Pipeline([])
    /// Routes without parameters by raw path, so `/healthz` costs one hash lookup.
    private var staticRoutes: [String: [HTTPMethod: Handler]] = [:]

    public init() {}

    /// Registers a handler that answers through `responder`, now or later.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, handler: @escaping Handler) {
        let parsed = RoutePattern(pattern)
        precondition(!routes.contains { $0.method == method && $0.pattern == parsed },
                     "route \(method) \(pattern) is registered twice")
        routes.append(Route(method: method, pattern: parsed, handler: handler))
        registered.append((method, pattern))
        if parsed.isStatic {
            staticRoutes[pattern, default: [:]][method] = handler
        }
    }

    /// Registers a handler that returns its response directly.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, immediate: @escaping ImmediateHandler) {
        add(method, pattern) { request, responder in
            responder.respond(try immediate(request))
        }
    }

    public mutating func get(_ pattern: String, _ handler: @escaping ImmediateHandler) { add(.get, pattern, immediate: handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping ImmediateHandler) { add(.post, pattern, immediate: handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping ImmediateHandler) { add(.delete, pattern, immediate: handler) }

    /// Every route as registered, in order: what a description of the API (an OpenAPI
    /// document) must list. HEAD is not listed; every GET route answers it.
    /// Kept apart from `routes`: resolving copies each `Route` it looks at, and one more
    /// reference in it cost 6% of a routed request's throughput.
    public private(set) var registered: [(method: HTTPMethod, pattern: String)] = []

    /// Adds a stage to the pipeline every request passes through before routing
    /// (including those that match no route), after the stages already added.
    public mutating func use(_ middleware: any Middleware) {
        pipeline = Pipeline(pipeline.stages + [middleware])
    }

    /// Runs `gate` before routing for every path equal to `prefix` or under `prefix/`,
    /// except the paths in `exempt` (matched as decoded segments, as the prefix is, so
    /// no other spelling of an exempt path lets another one through): `use(PathGate(…))`.
    public mutating func gate(_ prefix: String, except exempt: [String] = [], _ gate: @escaping Gate) {
        use(PathGate(prefix, except: exempt, gate))
    }

    enum Resolution {
        case handler(Handler, parameters: [String: String])
        case notFound
        case methodNotAllowed(allow: [HTTPMethod])
    }

    /// Finds the handler for a request. HEAD is served by the GET handler
    /// (the server then drops the body), as RFC 9110 §9.3.2 expects.
    func resolve(method: HTTPMethod, path: String, segments: [String]) -> Resolution {
        if let byMethod = staticRoutes[path] {
            if let handler = byMethod[method] ?? (method == .head ? byMethod[.get] : nil) {
                return .handler(handler, parameters: [:])
            }
        }

        var best: (route: Route, parameters: [String: String])?
        var allowed: Set<HTTPMethod> = []
        for route in routes {
            guard let parameters = route.pattern.match(segments) else { continue }
            allowed.insert(route.method)
            let fits = route.method == method || (method == .head && route.method == .get)
            guard fits else { continue }
            if let current = best {
                // An exact method beats HEAD-served-by-GET, then the more specific pattern wins.
                let exactNow = route.method == method, exactBefore = current.route.method == method
                if exactNow && !exactBefore || (exactNow == exactBefore && route.pattern.isMoreSpecific(than: current.route.pattern)) {
                    best = (route, parameters)
                }
            } else {
                best = (route, parameters)
            }
        }
        if let best { return .handler(best.route.handler, parameters: best.parameters) }
        if allowed.isEmpty { return .notFound }
        if allowed.contains(.get) { allowed.insert(.head) }
        return .methodNotAllowed(allow: allowed.sorted { $0.rawValue < $1.rawValue })
    }
}
