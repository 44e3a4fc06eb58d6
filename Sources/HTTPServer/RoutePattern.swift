/// A path pattern such as `/v1/jobs/{id}/losses`: literal segments and whole-
/// segment `{name}` parameters, matched against a request's decoded segments.
struct RoutePattern: Sendable, Equatable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]
    let description: String

    /// Malformed patterns are programming errors in the route table, found
    /// the first time the daemon starts, so they stop it with a clear message.
    init(_ pattern: String) {
        precondition(pattern.hasPrefix("/"), "route pattern \"\(pattern)\" must start with /")
        description = pattern
        var names: Set<String> = []
        segments = pattern == "/" ? [] : pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { raw in
            if raw.hasPrefix("{") && raw.hasSuffix("}") && raw.count > 2 {
                let name = String(raw.dropFirst().dropLast())
                precondition(!name.contains("{") && !name.contains("}"), "bad parameter in route pattern \"\(pattern)\"")
                precondition(names.insert(name).inserted, "parameter {\(name)} appears twice in \"\(pattern)\"")
                return .parameter(name)
            }
            precondition(!raw.contains("{") && !raw.contains("}"),
                         "route pattern \"\(pattern)\": a parameter must be a whole segment")
            return .literal(String(raw))
        }
    }

    /// The parameter values when `path` matches, else nil.
    func match(_ path: [String]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, value) in zip(segments, path) {
            switch segment {
            case .literal(let literal):
                if literal != value { return nil }
            case .parameter(let name):
                // An empty segment (`/v1/jobs//losses`) is not a value.
                if value.isEmpty { return nil }
                parameters[name] = value
            }
        }
        return parameters
    }

    /// True when `self` should win over `other` for a path both match: the
    /// first segment where they differ is a literal here (`/jobs/stats`
    /// beats `/jobs/{id}`).
    func isMoreSpecific(than other: RoutePattern) -> Bool {
        for (a, b) in zip(segments, other.segments) {
            switch (a, b) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            default: continue
            }
        }
        return false
    }

    /// The literal segments of a static pattern (a gate's prefix).
    var literalSegments: [String] {
        segments.map { segment in
            guard case .literal(let text) = segment else { preconditionFailure("\(description) has a parameter") }
            return text
        }
    }

    /// Whether the pattern has no parameters, so it can be looked up by path string.
    var isStatic: Bool {
        segments.allSatisfy { if case .literal = $0 { true } else { false } }
    }
}
