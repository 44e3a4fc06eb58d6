import Foundation
import GantryTestSupport
import Testing
@testable import HTTPServer

@Suite("Refusals over real sockets")
struct RefusalTests {
    @Test(arguments: MalformedRequest.all)
    func malformedRequestIsRefusedAndTheConnectionClosed(_ sample: MalformedRequest) throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send(sample.bytes)
        let response = try client.expectResponse()
        #expect(response.status == sample.status, "\(sample.name)")
        #expect(response.header("Connection") == "close")
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        #expect(response.errorCode != nil, "\(response.bodyText)")
        #expect(client.isClosedByServer())
        // And the server is fine.
        #expect(try server.client().roundTrip(get("/hello")).status == 200)
    }

    /// CL.TE: a front end that honours Content-Length would forward the
    /// smuggled request as body; we must not answer it as a second request.
    @Test func smuggledRequestAfterContentLengthWithTransferEncodingIsNotServed() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                        + get("/hello"))
        #expect(try client.expectResponse().status == 400)
        #expect(try client.readResponse() == nil)
    }

    @Test func smuggledRequestAfterTwoLengthsIsNotServed() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 27\r\n\r\n" + get("/hello"))
        #expect(try client.expectResponse().status == 400)
        #expect(try client.readResponse() == nil)
    }

    @Test func malformedRequestAfterAGoodOneOnAKeepAliveConnection() throws {
        let server = try TestServer()
        let client = try server.client()
        #expect(try client.roundTrip(get("/hello")).status == 200)
        try client.send("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n")
        #expect(try client.expectResponse().status == 400)
        #expect(client.isClosedByServer())
    }

    /// The client is still sending a body over the limit when the 413 comes:
    /// the server must drain instead of resetting, so the client sees the 413.
    @Test func oversizedBodyStillBeingSentGetsIts413() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3000000\r\n\r\n")
        let chunk = [UInt8](repeating: 0x62, count: 64 * 1024)
        for _ in 0..<20 where client.trySend(chunk) {}
        let response = try client.expectResponse()
        #expect(response.status == 413)
        #expect(response.errorCode == "payload_too_large")
    }

    @Test func requestLineTooLongIsCutWithoutWaitingForTheEnd() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /" + String(repeating: "a", count: 9000)) // no CRLF, ever
        #expect(try client.expectResponse().status == 414)
    }

    /// Random bytes ending in an empty line: each connection gets a 4xx, or is closed
    /// without an answer. The generator is seeded and the seed is in every failure;
    /// GANTRY_TEST_SEED=N replays a run.
    @Test func garbageIsRefused() throws {
        let server = try TestServer()
        let seed = TestSeed.value
        var generator = SplitMix64(seed: seed)
        for round in 0..<20 {
            let client = try server.client()
            let bytes = (0..<300).map { _ in UInt8(truncatingIfNeeded: generator.next()) } + Array("\r\n\r\n".utf8)
            try client.send(bytes)
            let what = "round \(round) of GANTRY_TEST_SEED=\(seed)"
            do {
                if let response = try client.readResponse() {
                    #expect((400...499).contains(response.status), "\(what): \(response.status) \(response.bodyText)")
                    #expect(client.isClosedByServer(), "\(what): still open after a \(response.status)")
                }
                // nil: closed without an answer, which is also a refusal.
            } catch {
                Issue.record("\(what): neither a 4xx nor a clean close: \(error)")
            }
        }
        #expect(try server.client().roundTrip(get("/hello")).status == 200)
    }

    @Test func handlerHeaderInjectionBecomesA500() throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try client.roundTrip(get("/inject"))
        #expect(response.status == 500)
        #expect(response.header("Set-Cookie") == nil)
    }
}
