import Foundation
import HTTPServer

/// `Authorization: Bearer TOKEN` on every `/v1` request, compared in constant time.
/// `init(tokenFile:)` is the one check of a token file: `serve` and `--check-config` both make one.
public struct BearerAuth: Sendable {
    let token: [UInt8]

    public init(tokenFile: String) throws {
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw ConfigError(key: "auth_token_file", message: "cannot read \(tokenFile)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count >= 16 else {
            throw ConfigError(key: "auth_token_file", message: "\(tokenFile) holds a token shorter than 16 characters")
        }
        token = Array(text.utf8)
    }

    func check(_ request: HTTPRequest) throws {
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
