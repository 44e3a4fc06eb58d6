import Foundation
import Testing
@testable import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

@Suite("Load and abuse")
struct LoadTests {
    @Test func aThousandConnectionsAtOnce() throws {
        raiseOpenFileLimit()
        // Both ends of every connection live in this process.
        try #require(openFileLimit() > 2300, "needs an open-file limit over 2300")
        var limits = HTTPServer.Limits()
        limits.maxConnections = 1100
        let server = try TestServer(limits: limits)
        var clients: [RawClient] = []
        for _ in 0..<1000 { clients.append(try server.client(timeout: 20)) }
        // Both waits took at most 0.07 s under load; 10 s only bounds a failure.
        #expect(server.eventually(timeout: 10) { server.server.openConnections == 1000 })
        for (i, client) in clients.enumerated() { try client.send(get("/items/\(i)")) }
        for (i, client) in clients.enumerated() {
            let response = try client.expectResponse()
            #expect(response.status == 200)
            #expect(response.bodyText.contains("\"\(i)\""))
        }
        clients.removeAll()
        #expect(server.eventually(timeout: 10) { server.server.openConnections == 0 })
    }

    @Test func clientsThatDisconnectMidResponseDoNotHurtTheServer() throws {
        let server = try TestServer()
        for _ in 0..<10 {
            let client = try server.client(receiveBuffer: 8192)
            try client.send(get("/big?bytes=20000000"))
            var byte = [UInt8](repeating: 0, count: 1000)
            _ = recv(client.fd, &byte, byte.count, 0)
            // Reset rather than FIN: the server's next write fails with ECONNRESET/EPIPE.
            var hard = linger(l_onoff: 1, l_linger: 0)
            setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &hard, socklen_t(MemoryLayout<linger>.size))
        }
        #expect(server.eventually { server.server.openConnections == 0 })
        #expect(try server.client().roundTrip(get("/hello")).status == 200)
    }

    @Test func clientsThatDisconnectMidRequestDoNotHurtTheServer() throws {
        let server = try TestServer()
        for cut in [5, 20, 40] {
            let client = try server.client()
            try client.send(Array(Array("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc".utf8)[0..<cut]))
        }
        #expect(server.eventually { server.server.openConnections == 0 })
        #expect(try server.client().roundTrip(get("/hello")).status == 200)
    }

    /// The client pipelines far more response bytes than the output bound
    /// and reads slowly: the server stops taking requests instead of
    /// buffering, and every response still arrives, in order.
    @Test func pipeliningPastTheOutputBoundWhileReadingSlowly() throws {
        var limits = HTTPServer.Limits()
        limits.maxOutputBufferBytes = 64 * 1024
        let server = try TestServer(limits: limits)
        let client = try server.client(receiveBuffer: 16 * 1024)
        let requests = (0..<100).map { get("/big?bytes=\(50_000 + $0)") }.joined()
        try client.send(requests)
        for i in 0..<100 {
            if i % 10 == 0 { usleep(20_000) }
            let response = try client.expectResponse()
            #expect(response.body.count == 50_000 + i)
        }
    }

    @Test func manyClientsInParallel() async throws {
        let server = try TestServer()
        let port = server.port
        try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    let client = try RawClient(port: port)
                    var ok = 0
                    for i in 0..<200 {
                        let target = i % 3 == 0 ? "/slow?ms=1&tag=\(worker)" : "/items/\(worker)-\(i)"
                        if try client.roundTrip(get(target)).status == 200 { ok += 1 }
                    }
                    return ok
                }
            }
            var total = 0
            for try await ok in group { total += ok }
            #expect(total == 1600)
        }
    }
}
