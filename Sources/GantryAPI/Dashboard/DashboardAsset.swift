import Foundation
import Crypto
import HTTPServer

/// One file of the browser dashboard, compiled into the binary: its bytes, its type
/// and a strong `ETag` derived from the bytes, so a browser revalidates with one
/// small request and gets a 304 until the binary changes.
struct DashboardAsset: Sendable {
    let path: String
    let contentType: String
    let bytes: [UInt8]
    /// A strong validator: the first 128 bits of the bytes' SHA-256, quoted.
    let etag: String

    init(path: String, contentType: String, text: String) {
        self.init(path: path, contentType: contentType, bytes: Array(text.utf8))
    }

    init(path: String, contentType: String, bytes: [UInt8]) {
        self.path = path
        self.contentType = contentType
        self.bytes = bytes
        let digest = SHA256.hash(data: bytes)
        etag = "\"" + digest.prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined() + "\""
    }

    /// A GET (and so HEAD) route for this file, answered on the connection's queue: the
    /// bytes are in memory, so nothing waits behind a pool. `count` sees each status.
    func register(on router: inout Router) {
        router.get(path) { request in self.response(to: request) }
    }

    /// 200 with the bytes, or 304 when the request's `If-None-Match` lists this `ETag`.
    func response(to request: HTTPRequest) -> HTTPResponse {
        var headers = DashboardAsset.securityHeaders
        headers.set("ETag", etag)
        if let conditions = request.headers["If-None-Match"], matches(conditions) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        headers.set("Content-Type", contentType)
        return HTTPResponse(status: .ok, headers: headers, body: bytes)
    }

    /// RFC 9110 §13.1.2: `*`, or a list compared weakly (a `W/` prefix is ignored).
    func matches(_ ifNoneMatch: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }

    /// Sent with every file and every 304. `no-cache` makes the browser revalidate each
    /// load, so a new binary's files show at once and an unchanged one costs a 304. The
    /// policy allows scripts, styles and everything else from this origin only: the page
    /// has no inline script or style, draws its images on canvases from bytes it fetched,
    /// and needs no other host.
    static let securityHeaders: HTTPHeaders = [
        "Cache-Control": "no-cache",
        "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    ]
}
