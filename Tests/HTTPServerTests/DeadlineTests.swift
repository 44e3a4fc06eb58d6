import Foundation
import Testing
@testable import HTTPServer

/// Deadlines are configured small (fractions of a second) so the suite stays fast.
@Suite("Deadlines")
struct DeadlineTests {
    func limits(_ change: (inout HTTPServer.Limits) -> Void) -> HTTPServer.Limits {
        var limits = HTTPServer.Limits()
        change(&limits)
        return limits
    }

    @Test func slowlorisIsCutAtTheHeadDeadlineWhileOthersAreServed() throws {
        let server = try TestServer(limits: limits { $0.headTimeoutSeconds = 1 })
        let slow = try server.client(timeout: 10)
        let request = Array(get("/hello", "X-Padding: " + String(repeating: "z", count: 200) + "\r\n").utf8)
        let start = Date()
        var sent = 0
        var othersServed = 0
        // One byte every 100 ms: the head would take 25 s to arrive.
        while sent < request.count && Date().timeIntervalSince(start) < 5 {
            guard slow.trySend([request[sent]]) else { break }
            sent += 1
            if sent % 3 == 0 {
                // Meanwhile, other clients are served promptly.
                let other = try server.client(timeout: 2)
                if try other.roundTrip(get("/hello")).status == 200 { othersServed += 1 }
            }
            usleep(100_000)
            if Date().timeIntervalSince(start) > 1.6 { break }
        }
        let response = try slow.expectResponse()
        let elapsed = Date().timeIntervalSince(start)
        #expect(response.status == 408)
        #expect(response.errorCode == "request_timeout")
        #expect(elapsed < 3, "cut after \(elapsed) s")
        #expect(sent < request.count)
        #expect(othersServed >= 3)
    }

    @Test func aConnectionThatNeverSendsIsClosedAtTheHeadDeadline() throws {
        let server = try TestServer(limits: limits { $0.headTimeoutSeconds = 0.5 })
        let client = try server.client()
        let start = Date()
        #expect(client.isClosedByServer())
        #expect(Date().timeIntervalSince(start) >= 0.4)
    }

    @Test func idleKeepAliveConnectionsAreClosed() throws {
        let server = try TestServer(limits: limits { $0.idleTimeoutSeconds = 0.5 })
        let client = try server.client()
        #expect(try client.roundTrip(get("/hello")).status == 200)
        let start = Date()
        #expect(client.isClosedByServer())
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed >= 0.4 && elapsed < 3, "closed after \(elapsed) s")
    }

    @Test func aSlowBodyIsCutAtTheBodyDeadline() throws {
        let server = try TestServer(limits: limits { $0.bodyTimeoutSeconds = 0.5 })
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        let response = try client.expectResponse()
        #expect(response.status == 408)
        #expect(client.isClosedByServer())
    }

    @Test func aClientThatStopsReadingIsDroppedAtTheWriteDeadline() throws {
        let server = try TestServer(limits: limits { $0.writeTimeoutSeconds = 0.5 })
        let client = try server.client(receiveBuffer: 4096)
        try client.send(get("/big?bytes=50000000"))
        // Never read. The server's socket buffer fills; the deadline fires.
        #expect(server.eventually(timeout: 5) { server.server.openConnections == 0 })
    }

    @Test func aLongPollIsNotCutByTheHeadOrIdleDeadline() throws {
        let server = try TestServer(limits: limits {
            $0.headTimeoutSeconds = 0.3
            $0.idleTimeoutSeconds = 0.3
        })
        let client = try server.client()
        let response = try client.roundTrip(get("/slow?ms=1000&tag=late"))
        #expect(response.bodyText == "slow late")
    }
}
