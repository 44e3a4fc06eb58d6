import Foundation
import HTTPServer

/// `Authorization: Bearer TOKEN` on every `/v1` request, compared in constant time.
public struct BearerAuth: Sendable {
    let token: [UInt8]

    /// `token` is what a request's `Authorization: Bearer` header must carry
    /// (`init(tokenFile:)`, in GantryService, reads and checks a token file).
    package init(token: [UInt8]) {
        self.token = token
    }

    package func check(_ request: HTTPRequest) throws {
        let headers = request.headers.values(for: "Authorization")
        // Two credentials are refused, not resolved: a proxy and a client that each add
        // one must not pass on whichever comes first.
        guard headers.count <= 1 else { throw unauthorized("this request has \(headers.count) Authorization headers; send one") }
        guard let header = headers.first, header.count > 7,
              header.prefix(7).lowercased() == "bearer " else {
            throw unauthorized("this request needs an Authorization: Bearer header")
        }
        guard Self.constantTimeEquals(Array(header.utf8.dropFirst(7)), token) else {
            throw unauthorized("the bearer token is not valid")
        }
    }

    /// Compares every byte whatever the first difference, so timing reveals nothing but the length.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }

    private func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, .unauthorized, message)
        error.headers = [("WWW-Authenticate", "Bearer realm=\"gantry\"")]
        return error
    }
}
