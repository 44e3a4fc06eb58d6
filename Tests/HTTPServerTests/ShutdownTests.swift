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

    @Test func shutdownTwiceAndBeforeStart() throws {
        let unstarted = HTTPServer(configuration: .init(port: 0), router: Router())
        unstarted.shutdown(timeout: 1)
        let server = try TestServer()
        server.server.shutdown(timeout: 1)
        server.server.shutdown(timeout: 1)
    }
}
