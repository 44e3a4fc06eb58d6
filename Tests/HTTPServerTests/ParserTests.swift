import Testing
@testable import HTTPServer

let defaultParserLimits = HTTPServer.Limits().parserLimits

/// Parses `bytes` fed all at once.
func parseWhole(_ bytes: [UInt8], limits: RequestParser.Limits = defaultParserLimits) -> RequestParser.Step {
    var parser = RequestParser(limits: limits)
    return bytes.withUnsafeBufferPointer { parser.parse($0) }
}

func parseWhole(_ text: String, limits: RequestParser.Limits = defaultParserLimits) -> RequestParser.Step {
    parseWhole(Array(text.utf8), limits: limits)
}

/// Parses `bytes` as if they arrived one byte per read: the same answer as
/// the whole buffer, or the parser is wrong.
func parseByteByByte(_ bytes: [UInt8], limits: RequestParser.Limits = defaultParserLimits) -> RequestParser.Step {
    var parser = RequestParser(limits: limits)
    for end in 1...bytes.count {
        let step = bytes.withUnsafeBufferPointer { parser.parse(UnsafeBufferPointer(rebasing: $0[0..<end])) }
        if case .needMore = step { continue }
        return step
    }
    return .needMore
}

extension RequestParser.Step {
    var request: HTTPRequest? {
        if case .request(let request, _) = self { return request }
        return nil
    }
    var consumed: Int? {
        if case .request(_, let consumed) = self { return consumed }
        return nil
    }
    var error: HTTPError? {
        if case .failure(let error) = self { return error }
        return nil
    }
    var isNeedMore: Bool {
        if case .needMore = self { return true }
        return false
    }
}

@Suite("Request parser")
struct ParserTests {
    @Test func parsesASimpleGet() throws {
        let raw = "GET /v1/jobs/42?since=3&wait=10 HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n"
        let step = parseWhole(raw)
        let request = try #require(step.request)
        #expect(step.consumed == raw.utf8.count)
        #expect(request.method == .get)
        #expect(request.target == "/v1/jobs/42?since=3&wait=10")
        #expect(request.path == "/v1/jobs/42")
        #expect(request.pathSegments == ["v1", "jobs", "42"])
        #expect(request.query("since") == "3")
        #expect(request.query("wait") == "10")
        #expect(request.version == .http1_1)
        #expect(request.headers["host"] == "localhost")
        #expect(request.headers["ACCEPT"] == "*/*")
        #expect(request.body.isEmpty)
        #expect(request.wantsKeepAlive)
    }

    @Test func keepsRepeatedFieldsInOrderAndTrimsWhitespace() throws {
        let raw = "GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\nx-a:two \t\r\nX-Empty:\r\n\r\n"
        let request = try #require(parseWhole(raw).request)
        #expect(request.headers.values(for: "X-A") == ["one", "two"])
        #expect(request.headers["x-empty"] == "")
        #expect(request.pathSegments == [])
    }

    @Test func readsAContentLengthBody() throws {
        let raw = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        let step = parseWhole(raw)
        #expect(step.request?.body == Array("hello".utf8))
        #expect(step.consumed == raw.utf8.count)
        // Not all of the body yet: wait.
        #expect(parseWhole(String(raw.dropLast())).isNeedMore)
    }

    @Test func byteByByteGivesTheSameRequest() throws {
        let raw = Array("POST /a%20b/c?x=1+2&y=%C3%A9 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nX: y\r\n\r\nabc".utf8)
        let whole = try #require(parseWhole(raw).request)
        let split = try #require(parseByteByByte(raw).request)
        #expect(whole.pathSegments == split.pathSegments)
        #expect(whole.queryItems == split.queryItems)
        #expect(whole.headers == split.headers)
        #expect(split.body == Array("abc".utf8))
        #expect(split.pathSegments == ["a b", "c"])
        #expect(split.queryItems == [QueryItem(name: "x", value: "1 2"), QueryItem(name: "y", value: "é")])
    }

    @Test func takesPipelinedRequestsOneAtATime() throws {
        let first = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
        let second = "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok"
        let bytes = Array((first + second).utf8)
        var parser = RequestParser(limits: defaultParserLimits)
        let one = bytes.withUnsafeBufferPointer { parser.parse($0) }
        #expect(one.request?.path == "/1")
        let used = try #require(one.consumed)
        #expect(used == first.utf8.count)
        parser.reset()
        let two = bytes.withUnsafeBufferPointer { parser.parse(UnsafeBufferPointer(rebasing: $0[used...])) }
        #expect(two.request?.path == "/2")
        #expect(two.request?.body == Array("ok".utf8))
    }

    @Test func decodesPathSegmentsButKeepsEncodedSlashesInside() throws {
        let request = try #require(parseWhole(get("/files/a%2Fb/%E2%9C%93/")).request)
        #expect(request.pathSegments == ["files", "a/b", "✓", ""])
        #expect(request.path == "/files/a%2Fb/%E2%9C%93/")
    }

    @Test func queryItemsWithoutValuesAndEmptyPairs() throws {
        let request = try #require(parseWhole(get("/x?flag&&a=&=v&a=2")).request)
        #expect(request.queryItems == [
            QueryItem(name: "flag", value: ""), QueryItem(name: "a", value: ""),
            QueryItem(name: "", value: "v"), QueryItem(name: "a", value: "2"),
        ])
        #expect(request.query("a") == "")
    }

    @Test func http10NeedsNoHostAndClosesByDefault() throws {
        let plain = try #require(parseWhole("GET /hello HTTP/1.0\r\n\r\n").request)
        #expect(plain.version == .http1_0)
        #expect(!plain.wantsKeepAlive)
        let kept = try #require(parseWhole("GET /hello HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").request)
        #expect(kept.wantsKeepAlive)
    }

    @Test func connectionCloseIsHonouredInAnyCase() throws {
        let request = try #require(parseWhole(get("/", "Connection: TE, CLOSE\r\n")).request)
        #expect(!request.wantsKeepAlive)
    }

    @Test func skipsALeadingEmptyLine() throws {
        let raw = "\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n"
        let step = parseWhole(raw)
        #expect(step.request?.path == "/x")
        #expect(step.consumed == raw.utf8.count)
    }

    @Test func acceptsAbsoluteFormTargets() throws {
        let request = try #require(parseWhole(get("http://example.com:8080/v1/jobs?status=running")).request)
        #expect(request.path == "/v1/jobs")
        #expect(request.pathSegments == ["v1", "jobs"])
        #expect(request.query("status") == "running")
        let bare = try #require(parseWhole(get("http://example.com")).request)
        #expect(bare.path == "/")
    }

    @Test func asteriskOnlyForOptions() throws {
        #expect(parseWhole("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").request?.path == "*")
        #expect(parseWhole(get("*")).error?.status == .badRequest)
    }

    @Test func laterHTTP1MinorVersionsAreServedAs11() throws {
        #expect(parseWhole("GET / HTTP/1.7\r\nHost: h\r\n\r\n").request?.version == .http1_1)
    }

    @Test func expectContinueIsReportedWhileTheBodyIsMissing() throws {
        var parser = RequestParser(limits: defaultParserLimits)
        let head = Array("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n".utf8)
        let step = head.withUnsafeBufferPointer { parser.parse($0) }
        #expect(step.isNeedMore)
        #expect(parser.isAwaitingBody)
        #expect(parser.expectsContinue)
    }

    @Test func limitsAreInclusive() throws {
        // A request line of exactly the limit is fine; one byte more is a 414.
        var limits = defaultParserLimits
        limits.maxRequestLineBytes = 40
        let line = "GET /" + String(repeating: "a", count: 40 - 14) + " HTTP/1.1"
        #expect(line.utf8.count == 40)
        #expect(parseWhole(line + "\r\nHost: h\r\n\r\n", limits: limits).request != nil)
        let longer = "GET /" + String(repeating: "a", count: 41 - 14) + " HTTP/1.1"
        #expect(parseWhole(longer + "\r\nHost: h\r\n\r\n", limits: limits).error?.status == .uriTooLong)

        limits.maxHeaderCount = 2
        #expect(parseWhole("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\n\r\n", limits: limits).request != nil)
        #expect(parseWhole("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits).error?.status == .headerFieldsTooLarge)

        limits.maxBodyBytes = 3
        #expect(parseWhole("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", limits: limits).request != nil)
        #expect(parseWhole("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n", limits: limits).error?.status == .contentTooLarge)
    }

    @Test func refusesAnOverlongRequestLineBeforeItEnds() {
        // No CRLF yet, but already past the limit: refused without waiting.
        let partial = "GET /" + String(repeating: "a", count: 9000)
        #expect(parseWhole(partial).error?.status == .uriTooLong)
    }

    @Test func refusesAnOverlongHeaderSectionBeforeItEnds() {
        let partial = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 17000)
        #expect(parseWhole(partial).error?.status == .headerFieldsTooLarge)
    }

    @Test(arguments: MalformedRequest.all)
    func refusesMalformedRequests(_ sample: MalformedRequest) {
        let whole = parseWhole(sample.bytes)
        #expect(whole.error?.status.code == sample.status, "\(sample.name): \(whole)")
        // Arriving a byte at a time changes nothing.
        let split = parseByteByByte(sample.bytes)
        #expect(split.error?.status.code == sample.status, "\(sample.name) byte by byte: \(split)")
    }
}

/// Requests the server must refuse, with the status it must refuse them with.
/// Shared by the parser tests and the socket tests.
struct MalformedRequest: Sendable, CustomStringConvertible {
    var name: String
    var bytes: [UInt8]
    var status: Int
    var description: String { name }

    init(_ name: String, _ text: String, _ status: Int) {
        self.name = name
        self.bytes = Array(text.utf8)
        self.status = status
    }

    init(_ name: String, bytes: [UInt8], _ status: Int) {
        self.name = name
        self.bytes = bytes
        self.status = status
    }

    static let all: [MalformedRequest] = [
        MalformedRequest("bare LF line endings", "GET / HTTP/1.1\nHost: h\n\n", 400),
        MalformedRequest("bare LF after a header", "GET / HTTP/1.1\r\nHost: h\n\r\n", 400),
        MalformedRequest("bare CR inside a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400),
        MalformedRequest("NUL in a header value", bytes: Array("GET / HTTP/1.1\r\nHost: h\r\nX: a".utf8) + [0] + Array("b\r\n\r\n".utf8), 400),
        MalformedRequest("NUL in the target", bytes: Array("GET /a".utf8) + [0] + Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8), 400),
        MalformedRequest("non-ASCII in the target", bytes: Array("GET /caf".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8), 400),
        MalformedRequest("obsolete line folding", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  b\r\n\r\n", 400),
        MalformedRequest("space before the colon", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 3\r\n\r\nabc", 400),
        MalformedRequest("empty field name", "GET / HTTP/1.1\r\nHost: h\r\n: x\r\n\r\n", 400),
        MalformedRequest("two spaces in the request line", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("missing version", "GET /\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("lowercase version", "GET / http/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("trailing space after the version", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400),
        MalformedRequest("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        MalformedRequest("HTTP/0.9-style line", "GET /\r\n\r\n", 400),
        MalformedRequest("target without a slash", "GET jobs HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("fragment in the target", "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("missing Host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400),
        MalformedRequest("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        MalformedRequest("negative Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
        MalformedRequest("signed Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello", 400),
        MalformedRequest("overflowing Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        MalformedRequest("Content-Length just over Int.max", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775808\r\n\r\n", 400),
        MalformedRequest("hex Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400),
        MalformedRequest("empty Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400),
        MalformedRequest("Content-Length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc", 400),
        MalformedRequest("duplicate identical Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400),
        MalformedRequest("conflicting Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\ncontent-length: 10\r\n\r\nabc", 400),
        MalformedRequest("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        MalformedRequest("Transfer-Encoding then Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", 400),
        MalformedRequest("chunked body", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 411),
        MalformedRequest("obfuscated chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", 411),
        MalformedRequest("unknown transfer coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        MalformedRequest("invalid percent-encoding", "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("truncated percent-encoding", "GET /a% HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("truncated percent-encoding, one digit", "GET /a%4 HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("percent-encoded NUL", "GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("percent-encoded invalid UTF-8", "GET /%C3%28 HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("invalid percent-encoding in the query", "GET /a?x=%G0 HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("too many empty lines first", String(repeating: "\r\n", count: 20) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        MalformedRequest("request line over 8 KiB", "GET /" + String(repeating: "a", count: 8200) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414),
        MalformedRequest("header section over 16 KiB", "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X-Pad: " + String(repeating: "p", count: 1000) + "\r\n", count: 17) + "\r\n", 431),
        MalformedRequest("101 header fields", "GET / HTTP/1.1\r\nHost: h\r\n" + (1...100).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431),
        MalformedRequest("body over 1 MiB", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n", 413),
        MalformedRequest("DEL in a header value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{7F}b\r\n\r\n", 400),
        MalformedRequest("method with a separator", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
    ]
}
