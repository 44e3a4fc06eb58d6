import Foundation
import Testing
@testable import HTTPServer

@Suite("Shutdown")
struct ShutdownTests {
    @Test func inFlightRequestsFinishAndIdleConnectionsClose() throws {
        let server = try TestServer()
        let busy = try server.client()
        let idle = try server.client()
        #expect(try idle.roundTrip(get("/hello")).status == 200)
        try busy.send(get("/slow?ms=300&tag=last"))
        usleep(50_000)

        let done = DispatchSemaphore(value: 0)
        server.server.shutdown(timeout: 5) { done.signal() }

        let response = try busy.expectResponse()
        #expect(response.bodyText == "slow last")
        #expect(response.header("Connection") == "close")
        #expect(busy.isClosedByServer())
        #expect(idle.isClosedByServer())
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(throws: TestFailure.self) { try server.client() }
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
        #expect(unstarted.boundPort == nil)
        #expect(throws: SocketError.self, "a shut-down server must not start") { try unstarted.start() }

        let server = try TestServer()
        #expect(try server.client().roundTrip(get("/hello")).status == 200)
        let done = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        server.server.shutdown(timeout: 1) { done.0.signal() }
        #expect(done.0.wait(timeout: .now() + 10) == .success, "no completion for the first shutdown")
        server.server.shutdown(timeout: 1) { done.1.signal() }
        #expect(done.1.wait(timeout: .now() + 10) == .success, "no completion for the second shutdown")
        #expect(server.server.boundPort == nil && server.server.openConnections == 0)
        #expect(throws: TestFailure.self, "the port still accepts after two shutdowns") { try server.client() }
    }
}
