// Character classes of the HTTP/1.1 grammar (RFC 9110 §5.6, RFC 9112 §3),
// as switches so the optimizer turns them into range checks.

enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let percent: UInt8 = 0x25
    static let slash: UInt8 = 0x2F
    static let question: UInt8 = 0x3F
}

/// tchar: the characters of a method or a field name.
@inline(__always)
func isTokenByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
         UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"),
         UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
         UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
         UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}

/// field-vchar / SP / HTAB: what a field value may contain. obs-text (0x80–0xFF)
/// is allowed as the RFC requires; CTLs (NUL, bare CR, …) and DEL are not.
@inline(__always)
func isFieldValueByte(_ b: UInt8) -> Bool {
    b == ASCII.tab || (b >= 0x20 && b != 0x7F)
}

/// The visible ASCII a request-target may contain: no spaces, controls or
/// non-ASCII. `#` is visible but starts a fragment, which clients never send.
@inline(__always)
func isTargetByte(_ b: UInt8) -> Bool {
    b > 0x20 && b < 0x7F && b != UInt8(ascii: "#")
}

@inline(__always)
func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
    default: nil
    }
}
