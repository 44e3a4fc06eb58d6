/// Incremental HTTP/1.1 request parser (RFC 9112), strict where leniency has
/// let requests be smuggled or servers be crashed.
///
/// It is fed the connection's unconsumed input, from the same start each time,
/// until it returns a request (with how many bytes it used) or a failure. It
/// remembers how far it has scanned, so a head arriving a byte at a time costs
/// linear, not quadratic, work. Limits are checked while scanning: a client can
/// never make it look at more than `maxRequestLineBytes + maxHeaderBytes` bytes
/// of head, nor buffer more than `maxBodyBytes` of body.
///
/// Refused (the connection is then closed, as the framing can no longer be trusted):
/// - request line over the limit: 414; header section over its bytes or field count: 431
/// - bare LF, bare CR, NUL or other controls, obsolete line folding, whitespace
///   before a field's colon, malformed request line or `Host`: 400
/// - `Content-Length` that is not plain digits, overflows, or appears twice: 400;
///   larger than `maxBodyBytes`: 413
/// - `Transfer-Encoding` with `Content-Length` (a smuggling shape): 400; chunked
///   alone: 411 (this server reads only sized bodies; the API's 411 "body without
///   length"); any other transfer coding: 501
/// - an HTTP version other than 1.x: 505; invalid percent-encoding in the target: 400
struct RequestParser {
    struct Limits: Sendable, Equatable {
        var maxRequestLineBytes: Int
        var maxHeaderBytes: Int
        var maxHeaderCount: Int
        var maxBodyBytes: Int
    }

    enum Step {
        case needMore
        case request(HTTPRequest, consumed: Int)
        case failure(HTTPError)
    }

    /// RFC 9112 §2.2 asks servers to ignore at least one empty line before a
    /// request line (some clients send CRLF after a POST body). A few are
    /// skipped; a stream of them is an attack and is refused.
    static let maxLeadingEmptyLineBytes = 16

    let limits: Limits

    // Scanning state, as offsets into the unconsumed input.
    private var scanned = 0
    private var requestLineStart = 0
    private var requestLineEnd = -1 // just past the request line's LF; -1 until found
    private var lineStart = 0
    private var headerLines = 0

    /// A parsed head whose body has not fully arrived.
    private var pending: Pending?

    private struct Pending {
        var request: HTTPRequest
        var headLength: Int
        var bodyLength: Int
        var expectsContinue: Bool
    }

    init(limits: Limits) {
        self.limits = limits
    }

    /// True between a complete head and the end of its body.
    var isAwaitingBody: Bool { pending != nil }

    /// True when the waiting head asked for `Expect: 100-continue`.
    var expectsContinue: Bool { pending?.expectsContinue ?? false }

    /// Forgets everything; call after a request was taken (its bytes consumed).
    mutating func reset() {
        self = RequestParser(limits: limits)
    }

    mutating func parse(_ input: UnsafeBufferPointer<UInt8>) -> Step {
        if pending == nil {
            switch scanHead(input) {
            case .needMore:
                return .needMore
            case .failure(let error):
                return .failure(error)
            case .complete(let headEnd):
                do {
                    let (request, bodyLength, expects) = try parseHead(input, headEnd: headEnd)
                    if bodyLength == 0 { return .request(request, consumed: headEnd) }
                    pending = Pending(request: request, headLength: headEnd, bodyLength: bodyLength, expectsContinue: expects)
                } catch {
                    return .failure(error)
                }
            }
        }
        guard var p = pending else { return .needMore }
        let end = p.headLength + p.bodyLength
        guard input.count >= end else { return .needMore }
        p.request.body = Array(UnsafeBufferPointer(rebasing: input[p.headLength..<end]))
        pending = nil
        return .request(p.request, consumed: end)
    }

    // MARK: - Finding the end of the head

    private enum Scan {
        case needMore
        case complete(headEnd: Int)
        case failure(HTTPError)
    }

    private mutating func scanHead(_ input: UnsafeBufferPointer<UInt8>) -> Scan {
        var i = scanned
        defer { scanned = i }
        while i < input.count {
            // Never look past the limit for the part being scanned.
            if requestLineEnd < 0 {
                if i - requestLineStart >= limits.maxRequestLineBytes + 2 {
                    return .failure(HTTPError(.uriTooLong, .uriTooLong,
                                              message: "the request line is longer than \(limits.maxRequestLineBytes) bytes"))
                }
            } else if i - requestLineEnd >= limits.maxHeaderBytes {
                return .failure(headersTooLarge("the header section is larger than \(limits.maxHeaderBytes) bytes"))
            }

            let byte = input[i]
            i += 1
            // A CR must be followed by LF: a bare CR is refused as soon as the next byte
            // arrives, rather than leaving the head unfinished until its deadline.
            if byte == ASCII.cr, i < input.count, input[i] != ASCII.lf {
                return .failure(HTTPError(.badRequest, .badRequest,
                                          message: "lines must end with CRLF, not a bare CR"))
            }
            guard byte == ASCII.lf else { continue }

            // Every line ends in CRLF; a bare LF is how requests get smuggled
            // past proxies that read it differently.
            let lf = i - 1
            guard lf > lineStart, input[lf - 1] == ASCII.cr else {
                return .failure(HTTPError(.badRequest, .badRequest,
                                          message: "lines must end with CRLF, not a bare LF"))
            }
            let lineLength = lf - 1 - lineStart
            if requestLineEnd < 0 {
                if lineLength == 0 {
                    lineStart = i
                    requestLineStart = i
                    if requestLineStart > RequestParser.maxLeadingEmptyLineBytes {
                        return .failure(HTTPError(.badRequest, .badRequest,
                                                  message: "too many empty lines before the request line"))
                    }
                } else {
                    requestLineEnd = i
                    lineStart = i
                }
            } else if lineLength == 0 {
                return .complete(headEnd: i)
            } else {
                headerLines += 1
                if headerLines > limits.maxHeaderCount {
                    return .failure(headersTooLarge("more than \(limits.maxHeaderCount) header fields"))
                }
                lineStart = i
            }
        }
        return .needMore
    }

    private func headersTooLarge(_ message: String) -> HTTPError {
        HTTPError(.headerFieldsTooLarge, .headerFieldsTooLarge, message: message)
    }

    // MARK: - Parsing a complete head

    private func parseHead(
        _ buf: UnsafeBufferPointer<UInt8>,
        headEnd: Int
    ) throws(HTTPError) -> (HTTPRequest, bodyLength: Int, expectsContinue: Bool) {
        // Request line: method SP request-target SP HTTP-version, exactly one SP each.
        let lineEnd = requestLineEnd - 2
        var p = requestLineStart
        while p < lineEnd && isTokenByte(buf[p]) { p += 1 }
        guard p > requestLineStart, p < lineEnd, buf[p] == ASCII.space else {
            throw bad("malformed request line: expected a method followed by one space")
        }
        let method = HTTPMethod(String(decoding: UnsafeBufferPointer(rebasing: buf[requestLineStart..<p]), as: UTF8.self))
        p += 1
        let targetStart = p
        while p < lineEnd && isTargetByte(buf[p]) { p += 1 }
        guard p > targetStart, p < lineEnd, buf[p] == ASCII.space else {
            throw bad("malformed request line: the target must be visible ASCII followed by one space")
        }
        let targetBytes = UnsafeBufferPointer(rebasing: buf[targetStart..<p])
        p += 1
        let version = try parseVersion(UnsafeBufferPointer(rebasing: buf[p..<lineEnd]))

        // Header fields.
        var fields: [HTTPHeaders.Field] = []
        fields.reserveCapacity(headerLines)
        var contentLengthCount = 0
        var contentLength = 0
        var transferEncoding: String?
        var hostCount = 0
        var expectsContinue = false

        var line = requestLineEnd
        while line < headEnd - 2 {
            var end = line
            while buf[end] != ASCII.cr || buf[end + 1] != ASCII.lf { end += 1 }
            defer { line = end + 2 }

            // obs-fold: a continuation line. RFC 9112 §5.2 lets servers refuse it.
            guard buf[line] != ASCII.space && buf[line] != ASCII.tab else {
                throw bad("obsolete line folding in the header section")
            }
            var q = line
            while q < end && isTokenByte(buf[q]) { q += 1 }
            // Whitespace between name and colon must be refused (RFC 9112 §5.1).
            guard q > line, q < end, buf[q] == ASCII.colon else {
                throw bad("malformed header field: expected a name followed directly by a colon")
            }
            let nameBytes = UnsafeBufferPointer(rebasing: buf[line..<q])
            var valueStart = q + 1
            while valueStart < end && (buf[valueStart] == ASCII.space || buf[valueStart] == ASCII.tab) { valueStart += 1 }
            var valueEnd = end
            while valueEnd > valueStart && (buf[valueEnd - 1] == ASCII.space || buf[valueEnd - 1] == ASCII.tab) { valueEnd -= 1 }
            for i in valueStart..<valueEnd where !isFieldValueByte(buf[i]) {
                throw bad("a header field value contains a control character")
            }
            let valueBytes = UnsafeBufferPointer(rebasing: buf[valueStart..<valueEnd])
            let value = String(decoding: valueBytes, as: UTF8.self)

            if equalsIgnoringCase(nameBytes, "content-length") {
                contentLengthCount += 1
                guard contentLengthCount == 1 else {
                    throw bad("more than one Content-Length field")
                }
                contentLength = try parseContentLength(valueBytes)
            } else if equalsIgnoringCase(nameBytes, "transfer-encoding") {
                transferEncoding = (transferEncoding.map { $0 + "," } ?? "") + value
            } else if equalsIgnoringCase(nameBytes, "host") {
                hostCount += 1
            } else if equalsIgnoringCase(nameBytes, "expect") {
                expectsContinue = asciiCaseInsensitiveEquals(value, "100-continue")
            }
            fields.append(HTTPHeaders.Field(name: String(decoding: nameBytes, as: UTF8.self), value: value))
        }

        if let transferEncoding {
            if contentLengthCount > 0 {
                throw bad("both Transfer-Encoding and Content-Length: the body length is ambiguous")
            }
            let last = transferEncoding.split(separator: ",").last.map { trimmingOWS($0) } ?? ""
            if asciiCaseInsensitiveEquals(last, "chunked") {
                throw HTTPError(.lengthRequired, .lengthRequired,
                                message: "chunked request bodies are not supported; send Content-Length")
            }
            throw HTTPError(.notImplemented, .notImplemented,
                            message: "unsupported Transfer-Encoding \"\(transferEncoding)\"")
        }
        // RFC 9112 §3.2: a 1.1 request without exactly one Host is a 400.
        if hostCount > 1 || (hostCount == 0 && version == .http1_1) {
            throw bad(hostCount == 0 ? "missing Host header" : "more than one Host header")
        }
        if contentLength > limits.maxBodyBytes {
            throw HTTPError(.contentTooLarge, .payloadTooLarge,
                            message: "the body is \(contentLength) bytes; the limit is \(limits.maxBodyBytes)")
        }

        let parsedTarget = try RequestTarget.parse(targetBytes, method: method)
        var headers = HTTPHeaders()
        headers.replaceFields(fields)
        let request = HTTPRequest(
            method: method,
            target: String(decoding: targetBytes, as: UTF8.self),
            path: parsedTarget.path,
            pathSegments: parsedTarget.segments,
            queryItems: parsedTarget.queryItems,
            version: version,
            headers: headers
        )
        return (request, contentLength, expectsContinue && contentLength > 0)
    }

    /// `HTTP/1.1` → 1.1, `HTTP/1.0` → 1.0; a later 1.x is served as 1.1 (RFC 9110 §2.5);
    /// other well-formed versions are a 505; anything else a 400.
    private func parseVersion(_ v: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> HTTPVersion {
        let prefix = Array("HTTP/".utf8)
        guard v.count == 8, v.prefix(5).elementsEqual(prefix), v[6] == UInt8(ascii: "."),
              let major = digit(v[5]), let minor = digit(v[7]) else {
            throw bad("malformed request line: expected HTTP/1.1 or HTTP/1.0 at the end")
        }
        guard major == 1 else {
            throw HTTPError(.httpVersionNotSupported, .httpVersionNotSupported,
                            message: "only HTTP/1.0 and HTTP/1.1 are supported")
        }
        return minor == 0 ? .http1_0 : .http1_1
    }

    /// 1*DIGIT and nothing else: no sign, no spaces, no comma lists, no overflow.
    private func parseContentLength(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> Int {
        guard !bytes.isEmpty else { throw bad("empty Content-Length") }
        var value = 0
        for b in bytes {
            guard let d = digit(b) else { throw bad("Content-Length must be a non-negative decimal integer") }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(d)
            guard !o1 && !o2 else { throw bad("Content-Length is too large") }
            value = sum
        }
        return value
    }

    private func digit(_ b: UInt8) -> Int? {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") ? Int(b - UInt8(ascii: "0")) : nil
    }

    /// Compares raw name bytes with a lowercase ASCII literal.
    private func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for i in 0..<bytes.count where asciiLower(bytes[i]) != expected[i] { return false }
        return true
    }

    private func bad(_ message: String) -> HTTPError {
        HTTPError(.badRequest, .badRequest, message: message)
    }
}
