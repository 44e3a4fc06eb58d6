/// Percent-decoding of path segments and query components (RFC 3986 §2.1).
enum PercentDecoding {
    /// The decoded text, or nil when the input is not acceptable: a `%` not
    /// followed by two hex digits, bytes that are not UTF-8 once decoded, or a
    /// decoded NUL (which no route or file name should ever see).
    ///
    /// `plusIsSpace` applies the form-encoding convention used in query strings.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, plusIsSpace: Bool) -> String? {
        // Fast path: nothing to decode. The parser only lets visible ASCII into
        // the target, so the bytes are already valid UTF-8.
        var needsWork = false
        for b in bytes where b == ASCII.percent || (plusIsSpace && b == UInt8(ascii: "+")) {
            needsWork = true
            break
        }
        if !needsWork { return String(decoding: bytes, as: UTF8.self) }

        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == ASCII.percent {
                guard i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) else {
                    return nil
                }
                let decoded = hi << 4 | lo
                if decoded == 0 { return nil }
                out.append(decoded)
                i += 3
            } else if plusIsSpace && b == UInt8(ascii: "+") {
                out.append(ASCII.space)
                i += 1
            } else {
                out.append(b)
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
