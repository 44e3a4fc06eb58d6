import Synchronization
import HTTPServer

/// Gives every request an id, sent back as `X-Request-Id` on its response and named
/// in the log line and message of an internal error, so a client's report finds the
/// log line. A client (or a proxy in front) may choose it: an `X-Request-Id` of 1–64
/// letters, digits and `._:-` is kept; anything else is replaced, so no header can
/// put other bytes into the log or a JSON body.
final class RequestIdentity: Middleware {
    static let header = "X-Request-Id"

    /// Four random letters or digits per start, so ids differ across restarts.
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        prefix = String((0..<4).map { _ in alphabet.randomElement()! })
    }

    /// The next id: the prefix, a dash and a hexadecimal count; at most 15 bytes, so
    /// Swift keeps it inline and a request's id costs no allocation.
    func next() -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return prefix + "-" + String(number & 0xFF_FFFF_FFFF, radix: 16)
    }

    static func isAcceptable(_ id: Substring) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    func receive(_ request: inout HTTPRequest) -> HTTPResponse? {
        let given = request.headers.values(for: Self.header)
        if given.count == 1, Self.isAcceptable(given[0][...]) { return nil }
        request.headers.set(Self.header, next())
        return nil
    }

    func finish(_ response: inout HTTPResponse, to request: HTTPRequest, after seconds: Double) {
        if let id = request.headers[Self.header] { response.headers.set(Self.header, id) }
    }
}
