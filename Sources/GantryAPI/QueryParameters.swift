import HTTPServer

/// The query parameters one route reads. A request naming any other, or naming one
/// twice, is refused with a 400 that lists what the route takes: the same rule as for
/// a job's body fields, so a misspelt parameter is never silently the default.
struct QueryParameters: Sendable, ExpressibleByArrayLiteral {
    let names: [String]

    init(arrayLiteral names: String...) { self.names = names }

    func check(_ request: HTTPRequest) throws {
        var seen = Set<String>()
        for item in request.queryItems {
            guard names.contains(item.name) else {
                let takes = names.isEmpty ? "this route takes no query parameters" : "this route takes \(names.joined(separator: ", "))"
                throw APIError(.badRequest, .unknownParameter, "unknown query parameter \"\(item.name.prefix(64))\"; \(takes)")
            }
            guard seen.insert(item.name).inserted else {
                throw APIError(.badRequest, .invalidParameter, "query parameter \(item.name) is given more than once")
            }
        }
    }
}
