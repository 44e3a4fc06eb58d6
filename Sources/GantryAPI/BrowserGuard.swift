import HTTPServer

/// What a web page in the operator's browser cannot make the daemon do: a `Host` that is
/// not this daemon's (DNS rebinding) is refused, as is a state-changing request another
/// site starts (`Origin` of another origin, `Sec-Fetch-Site: cross-site`), and a body that
/// is not declared `application/json` (the one kind of body a page cannot send to another
/// origin without a CORS preflight, which this daemon never grants).
package struct BrowserGuard: Sendable {
    /// Lowercased names (without a port) a request's `Host` may give. The port is not
    /// compared: a rebinding page names its own host, and this one's port is its own.
    let names: Set<String>

    /// `host` is the address the daemon listens on (`listen.host`).
    package init(host: String, allowedHosts: [String]) {
        names = Set((["localhost", "127.0.0.1", "[::1]", Self.bracketed(host)] + allowedHosts).map { $0.lowercased() })
    }

    package func check(_ request: HTTPRequest) throws {
        let host = (request.headers["Host"] ?? "").lowercased()
        guard names.contains(Self.name(of: host)) else {
            throw APIError(.badRequest, .hostNotAllowed,
                           "the Host header \"\(host)\" does not name this daemon; add the name to allowed_hosts to reach it that way")
        }
        if [.post, .put, .patch, .delete].contains(request.method) {
            if request.headers["Sec-Fetch-Site"]?.lowercased() == "cross-site" {
                throw APIError(.forbidden, .crossOrigin, "a request from another site cannot change jobs (Sec-Fetch-Site: cross-site)")
            }
            if let origin = request.headers["Origin"], origin.lowercased() != "http://\(host)" {
                throw APIError(.forbidden, .crossOrigin, "a request from the origin \(origin) cannot change jobs; only http://\(host) can")
            }
        }
        if !request.body.isEmpty {
            let mediaType = request.headers["Content-Type"]?.split(separator: ";").first?
                .trimmingCharacters(in: .whitespaces).lowercased()
            guard mediaType == "application/json" else {
                throw APIError(HTTPStatus(code: 415), .unsupportedMediaType,
                               "a request body must be sent with Content-Type: application/json")
            }
        }
    }

    /// `host` without its `:port` (`[::1]:8080` → `[::1]`).
    private static func name(of host: String) -> String {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") { return String(host[...end]) }
        guard let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon,
              host[host.index(after: colon)...].allSatisfy(\.isNumber) else { return host }
        return String(host[..<colon])
    }

    /// An IPv6 listen address as a `Host` header spells it.
    private static func bracketed(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}
