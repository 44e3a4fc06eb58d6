import Crypto
import Foundation

/// A position in the job list, newest first: the insertion number (`seq`) of the last
/// job a page showed. The next page holds the jobs inserted before it, so a job that
/// existed throughout a walk is shown exactly once, whatever is inserted or deleted
/// meanwhile (the position is a number, not a row, so deleting that job changes nothing).
///
/// Clients see it as opaque text: base64url of a version byte, the number (8 bytes,
/// big-endian) and 4 bytes of a SHA-256 over both, so an edited or truncated cursor is
/// refused rather than read as some other position. It is a checksum, not a secret:
/// any position only shows what a listing from the start would.
struct JobListCursor: Equatable, Sendable {
    let before: Int64

    private static let version: UInt8 = 1
    private static let domain = Array("gantry job list cursor".utf8)

    init(before: Int64) { self.before = before }

    /// Whether `text` has a cursor's form (18 characters of base64url), issued or not.
    static func isShapedLikeOne(_ text: String) -> Bool {
        text.utf8.count == 18 && isBase64URL(text)
    }

    /// The cursor `text` encodes; nil for anything this server did not issue.
    init?(_ text: String) {
        guard text.utf8.count == 18, let bytes = Self.decodeBase64URL(text), bytes.count == 13,
              bytes[0] == Self.version, Array(bytes[9...]) == Self.check(Array(bytes[..<9])) else { return nil }
        let value = bytes[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard value <= UInt64(Int64.max) else { return nil }
        before = Int64(value)
        // Base64 can spell the last byte's spare bits more than one way; only ours is ours.
        guard self.text == text else { return nil }
    }

    var text: String {
        let value = UInt64(before)
        let payload = [Self.version] + (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
        return Data(payload + Self.check(payload)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func check(_ payload: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: domain + payload).prefix(4))
    }

    /// Unpadded base64url only: a `+`, `/` or `=` is not a cursor this server wrote.
    /// Only base64url's alphabet (`A–Z a–z 0–9 - _`), no padding.
    private static func isBase64URL(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (48...57).contains($0)
            || (65...90).contains($0) || (97...122).contains($0) }
    }

    private static func decodeBase64URL(_ text: String) -> [UInt8]? {
        guard isBase64URL(text) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        return Data(base64Encoded: standard).map(Array.init)
    }
}
