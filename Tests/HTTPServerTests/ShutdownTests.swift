import Foundation
import Testing
@testable import HTTPServer

@Suite("Shutdown")
struct ShutdownTests {
    @Test func inFlightRequestsFinishAndIdleConnectionsClose() throws {
        let box = ResponderBox()
        let server = try TestServer { router in
            router.add(.get, "/wait") { _, responder in box.hold(responder) }
        }
        let busy = try server.client()
        let idle = try server.client()
        #expect(try idle.roundTrip(get("/hello")).status == 200)
        try busy.send(get("/wait"))
        // The request is in its handler (not merely sent) before shutdown starts.
        try #require(server.eventually(timeout: 10) { box.count == 1 }, "the request never reached its handler")

        let done = DispatchSemaphore(value: 0)
        server.server.shutdown(timeout: 10) { done.signal() }
        // The idle connection closes at once; the busy one is told to drain in the same
        // pass over the connections, so its answer, given after that, says Connection: close.
        #expect(idle.isClosedByServer())
        usleep(100_000) // the rest of that pass: microseconds
        box.answerAll(.text("last"))

        let response = try busy.expectResponse()
        #expect(response.bodyText == "last")
        #expect(response.header("Connection") == "close")
        #expect(busy.isClosedByServer())
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(!server.stillAnswers(), "the server still accepts after shutdown")
    }

    @Test func theDeadlineClosesWhatIsLeft() throws {
        let box = ResponderBox()
        let server = try TestServer { router in
            router.add(.get, "/wait") { _, responder in box.hold(responder) }
        }
        let client = try server.client()
        try client.send(get("/wait"))
        #expect(server.eventually { box.count == 1 })
        let start = Date()
        server.server.shutdown(timeout: 0.3)
        // Measured under load: 0.30–0.32 s.
        #expect(Date().timeIntervalSince(start) < 3)
        #expect(client.isClosedByServer())
        box.answerAll(.text("after shutdown")) // harmless
    }

    /// Shutting down a server that never started, or one already shut down, returns and
    /// calls its completion (a caller waiting on it is not left hanging); the port stays closed.
    @Test func shutdownTwiceAndBeforeStart() throws {
        let unstarted = HTTPServer(configuration: .init(port: 0), router: Router())
        let unstartedDone = DispatchSemaphore(value: 0)
        unstarted.shutdown(timeout: 1) { unstartedDone.signal() }
        #expect(unstartedDone.wait(timeout: .now() + 10) == .success, "no completion for a server that never started")
        #expect(throws: SocketError.self, "a shut-down server must not start") { try unstarted.start() }

        let server = try TestServer()
        #expect(try server.client().roundTrip(get("/hello")).status == 200)
        let done = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        server.server.shutdown(timeout: 1) { done.0.signal() }
        #expect(done.0.wait(timeout: .now() + 10) == .success, "no completion for the first shutdown")
        server.server.shutdown(timeout: 1) { done.1.signal() }
        #expect(done.1.wait(timeout: .now() + 10) == .success, "no completion for the second shutdown")
        #expect(server.server.openConnections == 0)
        #expect(!server.stillAnswers(), "the server still accepts after two shutdowns")
    }
}

extension TestServer {
    /// Whether this server still accepts and answers. A closed port may be taken at once
    /// by another test's server (the suite runs in parallel), so a refused connection is
    /// not the only "no": a connection that does not reach this server's own route
    /// (/whoami answers with this server's port) is one too.
    func stillAnswers() -> Bool {
        guard let client = try? RawClient(port: port, timeout: 5),
              let response = try? client.roundTrip(get("/whoami")) else { return false }
        return response.status == 200 && response.bodyText == "server on \(port)"
    }
}
