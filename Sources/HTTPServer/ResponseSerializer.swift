/// Turns a handler's `HTTPResponse` into bytes on the wire.
///
/// The server owns the framing: `Content-Length`, `Transfer-Encoding`,
/// `Connection` and `Date` set by a handler are replaced, so a handler can
/// never produce a response the client mis-frames. Header names and values
/// are checked for CR, LF and other controls, so a value that came from a
/// request cannot split the response; a response that fails the check is
/// replaced by a 500.
enum ResponseSerializer {
    /// Bodies up to this size are copied into the head's buffer; larger ones
    /// stay a separate chunk of the same gather write, saving the copy.
    static let inlineBodyLimit = 16 * 1024

    struct Wire {
        var head: [UInt8]
        var separateBody: [UInt8]?
    }

    /// - Parameters:
    ///   - omitBody: a HEAD request: the length of the GET body, no bytes.
    ///   - keepAlive: whether the connection stays open after this response.
    ///   - announceKeepAlive: say `Connection: keep-alive` (an HTTP/1.0 client needs it).
    static func serialize(
        _ response: HTTPResponse,
        omitBody: Bool,
        keepAlive: Bool,
        announceKeepAlive: Bool,
        dateLine: [UInt8]
    ) -> Wire? {
        let status = response.status
        guard (100...999).contains(status.code), isValidReason(status.reason) else { return nil }

        var head: [UInt8] = []
        head.reserveCapacity(160 + response.headers.count * 40 + (omitBody || response.body.count > inlineBodyLimit ? 0 : response.body.count))
        head.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &head)
        head.append(ASCII.space)
        head.append(contentsOf: status.reason.utf8)
        head.append(contentsOf: crlf)

        for field in response.headers {
            if isFramingHeader(field.name) { continue }
            guard isValidName(field.name), isValidValue(field.value) else { return nil }
            head.append(contentsOf: field.name.utf8)
            head.append(contentsOf: ": ".utf8)
            head.append(contentsOf: field.value.utf8)
            head.append(contentsOf: crlf)
        }

        let bodyAllowed = !status.forbidsBody
        // A 204 or 1xx must not carry Content-Length (RFC 9110 §8.6), and a 304's may only
        // repeat the 200's length, which the handler did not compute; every other response carries it.
        if status.code != 204 && status.code != 304 && !(100..<200).contains(status.code) {
            head.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(bodyAllowed ? response.body.count : 0, to: &head)
            head.append(contentsOf: crlf)
        }
        head.append(contentsOf: dateLine)
        if !keepAlive {
            head.append(contentsOf: "Connection: close\r\n".utf8)
        } else if announceKeepAlive {
            head.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        head.append(contentsOf: crlf)

        guard bodyAllowed && !omitBody && !response.body.isEmpty else { return Wire(head: head, separateBody: nil) }
        if response.body.count <= inlineBodyLimit {
            head.append(contentsOf: response.body)
            return Wire(head: head, separateBody: nil)
        }
        return Wire(head: head, separateBody: response.body)
    }

    static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private static let crlf: [UInt8] = [ASCII.cr, ASCII.lf]

    private static func isFramingHeader(_ name: String) -> Bool {
        asciiCaseInsensitiveEquals(name, "content-length")
            || asciiCaseInsensitiveEquals(name, "transfer-encoding")
            || asciiCaseInsensitiveEquals(name, "connection")
            || asciiCaseInsensitiveEquals(name, "date")
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenByte)
    }

    private static func isValidValue(_ value: String) -> Bool {
        value.utf8.allSatisfy(isFieldValueByte)
    }

    private static func isValidReason(_ reason: String) -> Bool {
        reason.utf8.allSatisfy(isFieldValueByte)
    }

    private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while n > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[i]) }
        }
    }
}
