import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPServer

/// Counts the owners alive: a handler's way to know a large body still sits in memory.
final class OwnerCount: @unchecked Sendable {
    // @unchecked: `alive` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0
    var alive: Int { lock.withLock { count } }
    func make() -> Owner { lock.withLock { count += 1 }; return Owner(self) }
    fileprivate func gone() { lock.withLock { count -= 1 } }

    final class Owner: Sendable {
        let counter: OwnerCount
        init(_ counter: OwnerCount) { self.counter = counter }
        deinit { counter.gone() }
    }
}

/// `HTTPResponse.bodyOwner`: held while the body is being sent, let go when its last
/// byte has left or its connection has closed, whichever comes first.
@Suite("Response body owners")
struct BodyOwnerTests {
    static let bodyBytes = 32 << 20 // far more than both sockets' buffers hold

    func server(_ owners: OwnerCount) throws -> TestServer {
        try TestServer(extraRoutes: { router in
            router.get("/owned") { request in
                HTTPResponse(body: [UInt8](repeating: 7, count: Int(request.query("bytes") ?? "") ?? Self.bodyBytes),
                             bodyOwner: owners.make())
            }
        })
    }

    @Test func theOwnerLivesWhileTheBodyIsUnsentAndGoesWhenItIsRead() throws {
        let owners = OwnerCount()
        let server = try server(owners)
        let client = try server.client(timeout: 20, receiveBuffer: 4096)
        try client.send("GET /owned HTTP/1.1\r\nHost: h\r\n\r\n")
        // Nothing read yet: 32 MiB cannot all have left, so the owner must still be held.
        #expect(server.eventually { owners.alive == 1 })
        usleep(200_000)
        #expect(owners.alive == 1)
        let response = try #require(try client.readResponse())
        #expect(response.status == 200 && response.body.count == Self.bodyBytes)
        #expect(server.eventually(timeout: 10) { owners.alive == 0 }, "the owner outlived its sent body")
    }

    @Test func theOwnerGoesWhenTheClientLeavesMidBody() throws {
        let owners = OwnerCount()
        let server = try server(owners)
        do {
            let client = try server.client(timeout: 20, receiveBuffer: 4096)
            try client.send("GET /owned HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(server.eventually { owners.alive == 1 })
            var some = [UInt8](repeating: 0, count: 1000)
            _ = recv(client.fd, &some, some.count, 0)
            var hard = linger(l_onoff: 1, l_linger: 0)
            setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &hard, socklen_t(MemoryLayout<linger>.size))
        }
        #expect(server.eventually(timeout: 10) { owners.alive == 0 }, "a closed connection kept its body's owner")
    }

    @Test func aSmallBodyOrAHeadRequestKeepsNoOwner() throws {
        let owners = OwnerCount()
        let server = try server(owners)
        let small = try server.client().roundTrip("GET /owned?bytes=100 HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(small.status == 200 && small.body.count == 100)
        let head = try server.client().roundTrip("HEAD /owned HTTP/1.1\r\nHost: h\r\n\r\n", headRequest: true)
        #expect(head.status == 200 && head.header("Content-Length") == "\(Self.bodyBytes)")
        #expect(server.eventually { owners.alive == 0 })
    }
}
