import Foundation
import GantryTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import HTTPServer

@Suite("Serving over real sockets")
struct ServerBasicsTests {
    static let ipv6Need = "an IPv6 loopback address (::1)"

    /// Whether a socket can be bound to [::1] here.
    static let ipv6LoopbackAvailable: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
        }
    }()

    @Test func urlSessionGetsJSON() async throws {
        let server = try TestServer()
        let url = URL(string: "http://127.0.0.1:\(server.port)/items/a%20b?q=x%2By")!
        let (data, response) = try await URLSession.shared.data(from: url)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(http.value(forHTTPHeaderField: "Content-Type") == "application/json; charset=utf-8")
        let object = try JSONSerialization.jsonObject(with: data) as? [String: String]
        #expect(object == ["id": "a b", "q": "x+y"])
    }

    @Test func urlSessionPostsABody() async throws {
        let server = try TestServer()
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/echo")!)
        request.httpMethod = "POST"
        let body = Data((0..<100_000).map { UInt8($0 % 251) })
        let (data, response) = try await URLSession.shared.upload(for: request, from: body)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(data == body)
    }

    @Test func curlReusesTheConnection() throws {
        let server = try TestServer()
        let url = "http://127.0.0.1:\(server.port)/hello"
        let (status, output) = try runCurl(["-sv", url, url, url])
        #expect(status == 0)
        #expect(output.components(separatedBy: "< HTTP/1.1 200 OK").count == 4)
        #expect(output.components(separatedBy: "Re-using existing connection").count == 3, "\(output)")
    }

    @Test func everyResponseHasContentLengthAndDate() throws {
        let server = try TestServer()
        let client = try server.client()
        for target in ["/hello", "/nope", "/throw", "/items/1"] {
            let response = try client.roundTrip(get(target))
            #expect(response.header("Content-Length") == String(response.body.count))
            let date = try #require(response.header("Date"))
            #expect(date.hasSuffix(" GMT") && date.count == 29, "\(date)")
        }
    }

    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        let server = try TestServer()
        let client = try server.client()
        let start = Date()
        for i in 0..<1000 {
            let response = try client.roundTrip(get("/items/\(i)"))
            #expect(response.status == 200)
            #expect(response.bodyText.contains("\"\(i)\""))
        }
        // Not a speed test: this catches the ~40 ms delayed-ACK stall per
        // response that a head written apart from its body (or Nagle) causes,
        // which would make this take 40 s. Measured under load: 0.14–0.66 s; the bound,
        // 15 ms per request, stays far from the 40 s of a stall.
        #expect(Date().timeIntervalSince(start) < 15)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send(get("/items/1") + get("/slow?ms=50&tag=2") + get("/items/3")
                        + "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nfour" + get("/hello"))
        #expect(try client.expectResponse().bodyText.contains("\"1\""))
        #expect(try client.expectResponse().bodyText == "slow 2")
        #expect(try client.expectResponse().bodyText.contains("\"3\""))
        #expect(try client.expectResponse().bodyText == "four")
        #expect(try client.expectResponse().bodyText == "hello")
    }

    @Test func pipelinedRequestsSplitAcrossWrites() throws {
        let server = try TestServer()
        let client = try server.client()
        let bytes = Array((get("/hello") + get("/items/2") + get("/hello")).utf8)
        // Cut in awkward places: inside the CRLFCRLF, inside a request line.
        for range in [0..<27, 27..<29, 29..<40, 40..<bytes.count] {
            try client.send(Array(bytes[range]))
            usleep(20_000)
        }
        #expect(try client.expectResponse().bodyText == "hello")
        #expect(try client.expectResponse().bodyText.contains("\"2\""))
        #expect(try client.expectResponse().bodyText == "hello")
    }

    @Test func connectionCloseIsHonoured() throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try client.roundTrip(get("/hello", "Connection: close\r\n"))
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(client.isClosedByServer())
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() throws {
        let server = try TestServer()
        let plain = try server.client()
        let first = try plain.roundTrip("GET /hello HTTP/1.0\r\n\r\n")
        #expect(first.status == 200)
        #expect(first.bodyText == "hello")
        #expect(plain.isClosedByServer())

        let kept = try server.client()
        for _ in 0..<3 {
            let response = try kept.roundTrip("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(response.header("Connection") == "keep-alive")
        }
    }

    @Test func headHasLengthButNoBody() throws {
        let server = try TestServer()
        let client = try server.client()
        let head = try client.roundTrip("HEAD /big?bytes=12345 HTTP/1.1\r\nHost: h\r\n\r\n", headRequest: true)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "12345")
        #expect(head.body.isEmpty)
        // The connection is still in step: the next response parses.
        #expect(try client.roundTrip(get("/hello")).bodyText == "hello")
    }

    @Test func expectContinueGetsAnInterimResponse() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        #expect(try client.expectResponse().status == 100)
        try client.send("hello")
        let response = try client.expectResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "hello")
    }

    @Test func bodyAtTheLimitIsAccepted() throws {
        let server = try TestServer()
        let client = try server.client()
        let body = [UInt8](repeating: 0x61, count: 1 << 20)
        try client.send(Array("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        let response = try client.expectResponse()
        #expect(response.status == 200)
        #expect(response.body == body)
    }

    @Test func largeResponsesArriveWhole() throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try client.roundTrip(get("/big?bytes=5000000"))
        #expect(response.body.count == 5_000_000)
        #expect(try client.roundTrip(get("/hello")).bodyText == "hello")
    }

    @Test(.needs(ipv6Need, ipv6LoopbackAvailable))
    func listensOnIPv6Loopback() throws {
        try requireResource(Self.ipv6Need, Self.ipv6LoopbackAvailable)
        let server = try TestServer(host: "::1")
        let client = try RawClient(port: server.port, host: "::1")
        #expect(try client.roundTrip(get("/hello")).bodyText == "hello")
    }

    @Test func localhostBindsEveryLoopbackAddressOnOnePort() throws {
        let server = try TestServer(host: "localhost")
        #expect(try RawClient(port: server.port, host: "127.0.0.1").roundTrip(get("/hello")).status == 200)
        if let v6 = try? RawClient(port: server.port, host: "::1") {
            #expect(try v6.roundTrip(get("/hello")).status == 200)
        }
    }

    @Test func aSecondServerOnTheSamePortFailsToStart() throws {
        let server = try TestServer()
        let other = HTTPServer(configuration: .init(host: "127.0.0.1", port: server.port), router: Router())
        #expect(throws: SocketError.self) { try other.start() }
    }
}

/// Runs curl and returns its exit status and combined output.
func runCurl(_ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["--max-time", "10"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
