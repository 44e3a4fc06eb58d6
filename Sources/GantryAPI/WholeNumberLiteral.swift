/// A JSON number literal read as a whole number, the way JSON Schema reads one: any
/// literal whose value has no fractional part (`3`, `3.0`, `3e0`, `30e-1`), written
/// out in digits only. Exact, from the literal's digits (never through a `Double`), so
/// `9007199254740993.0` is 9007199254740993.
enum WholeNumberLiteral {
    /// Digits longer than this are beyond every integer type; past it the digits are
    /// not built (an exponent of a billion would otherwise make a billion zeros).
    static let longest = 40

    /// `-?[0-9]+` with no leading zeros, or nil when the value is not a whole number.
    /// A value too large for any integer type gives `longest + 1` nines, so the
    /// caller's range check refuses it as out of range, in its own words.
    static func canonical(_ literal: String) -> String? {
        var text = Substring(literal)
        let negative = text.first == "-"
        if negative { text.removeFirst() }
        let mantissaEnd = text.firstIndex { $0 == "e" || $0 == "E" } ?? text.endIndex
        var exponent = 0
        if mantissaEnd < text.endIndex {
            var digits = text[text.index(after: mantissaEnd)...]
            var sign = 1
            if digits.first == "+" || digits.first == "-" { sign = digits.removeFirst() == "-" ? -1 : 1 }
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            // Beyond a million either way the answer no longer depends on the exact value.
            let magnitude = digits.count > 7 ? 10_000_000 : Int(digits)!
            exponent = sign * magnitude
        }
        let mantissa = text[..<mantissaEnd]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty else { return nil }

        // value = digits × 10^(exponent − fraction.count)
        var digits = Array(String(whole + fraction).drop { $0 == "0" })
        var scale = exponent - fraction.count
        while scale < 0, digits.last == "0" {
            digits.removeLast()
            scale += 1
        }
        if digits.isEmpty { return "0" }
        guard scale >= 0 else { return nil }
        guard digits.count + scale <= longest else { return (negative ? "-" : "") + String(repeating: "9", count: longest + 1) }
        return (negative ? "-" : "") + String(digits) + String(repeating: "0", count: scale)
    }
}
