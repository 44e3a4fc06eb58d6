import Foundation
import Testing
@testable import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// At the connection limit, a new client takes the slot of the connection that has
/// waited longest without a complete request head; connections with a request in
/// progress are never taken.
@Suite("Idle eviction")
struct IdleEvictionTests {
    @Test("the limit's worth of silent connections does not keep a new client out")
    func silentFloodDoesNotLockOut() throws {
        raiseOpenFileLimit()
        // Both ends of every connection live in this process.
        try #require(openFileLimit() > 2300, "needs an open-file limit over 2300")
        var limits = HTTPServer.Limits()
        limits.maxConnections = 1024
        limits.headTimeoutSeconds = 10
        let server = try TestServer(limits: limits)
        var silent: [RawClient] = []
        for _ in 0..<limits.maxConnections { silent.append(try server.client(timeout: 20)) }
        // Took well under a second under load; 10 s only bounds a failure.
        try #require(server.eventually(timeout: 10) { server.server.openConnections == limits.maxConnections })

        // Without eviction the new client waits for the 10 s head timeout to free a
        // slot (or is answered 503); eviction admits it at once. 3 s is far above what
        // that takes on a loaded machine and far below the head timeout.
        let start = Date()
        let response = try server.client(timeout: 5).roundTrip(get("/hello"))
        let elapsed = Date().timeIntervalSince(start)
        #expect(response.status == 200, "\(response.status) \(response.bodyText)")
        #expect(elapsed < 3, "served after \(elapsed) s")
        // The slot came from the oldest silent connection, closed without a word.
        #expect(silent[0].isClosedByServer())
        // The evicted connection leaves the registry once its close has run, which can
        // be just after the client sees the close (while it closes it is not counted
        // against the cap, so for that moment the registry holds the cap plus one).
        #expect(server.eventually(timeout: 10) { server.server.openConnections <= limits.maxConnections },
                "\(server.server.openConnections) connections open, over the limit of \(limits.maxConnections)")
    }

    @Test("idle keep-alive connections are taken oldest first; the younger ones keep working")
    func idleKeepAliveIsTakenOldestFirst() throws {
        var limits = HTTPServer.Limits()
        limits.maxConnections = 3
        let server = try TestServer(limits: limits)
        let clients = try (0..<3).map { _ in try server.client() }
        for client in clients {
            #expect(try client.roundTrip(get("/hello")).status == 200)
        }
        try #require(server.eventually { server.server.openConnections == 3 })

        #expect(try server.client().roundTrip(get("/hello")).status == 200)
        #expect(clients[0].isClosedByServer())
        #expect(try clients[1].roundTrip(get("/hello")).status == 200)
        #expect(try clients[2].roundTrip(get("/hello")).status == 200)
    }

    @Test("a half-sent head is idle too: a slowloris connection loses its slot before a silent younger one")
    func partialHeadCountsFromItsFirstByte() throws {
        var limits = HTTPServer.Limits()
        limits.maxConnections = 2
        let server = try TestServer(limits: limits)
        let slow = try server.client()
        try slow.send("GET /hello HTTP/1.1\r\nHo")
        try #require(server.eventually { server.server.openConnections == 1 })
        let silent = try server.client()
        try #require(server.eventually { server.server.openConnections == 2 })

        #expect(try server.client().roundTrip(get("/hello")).status == 200)
        #expect(slow.isClosedByServer())
        #expect(try silent.roundTrip(get("/hello")).status == 200)
    }

    @Test("connections with a request in progress are never taken: the new client gets 503; a slot freed lets the next one in")
    func requestsInProgressAreKept() throws {
        var limits = HTTPServer.Limits()
        limits.maxConnections = 2
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let server = try TestServer(limits: limits) { router in
            router.add(.get, "/hold") { _, responder in
                entered.signal()
                DispatchQueue.global().async {
                    release.wait()
                    responder.respond(.text("kept"))
                }
            }
        }
        let busy = try (0..<2).map { _ in try server.client() }
        for client in busy { try client.send(get("/hold")) }
        // Both requests are with their handler before the third client comes.
        for _ in busy { try #require(entered.wait(timeout: .now() + 10) == .success) }

        let third = try server.client()
        let refused = try third.expectResponse()
        #expect(refused.status == 503)
        #expect(refused.errorCode == "too_many_connections")
        #expect(third.isClosedByServer())
        #expect(server.server.openConnections == 2)
        for _ in busy { release.signal() }
        for client in busy {
            let response = try client.expectResponse()
            #expect(response.status == 200 && response.bodyText == "kept")
        }
        // Both become idle keep-alive connections (the server marks them so just after
        // the last byte leaves, which a loaded machine can delay past the client's read):
        // the next client takes a slot.
        try #require(server.eventually { server.server.idleConnections == 2 })
        #expect(try server.client().roundTrip(get("/hello")).status == 200)
    }
}
