import Foundation
import Testing
@testable import HTTPServer

/// Holds responders for handlers that answer when a test says so.
final class ResponderBox: @unchecked Sendable {
    private let lock = NSLock()
    private var held: [Responder] = []

    func hold(_ responder: Responder) {
        lock.lock()
        held.append(responder)
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return held.count
    }

    func answerAll(_ response: HTTPResponse) {
        lock.lock()
        let all = held
        held = []
        lock.unlock()
        all.forEach { $0.respond(response) }
    }
}

@Suite("Handlers")
struct HandlerTests {
    @Test func aHeldRequestDoesNotBlockOthers() throws {
        let box = ResponderBox()
        let server = try TestServer { router in
            router.add(.get, "/wait") { _, responder in box.hold(responder) }
        }
        let waiting = try server.client()
        try waiting.send(get("/wait"))
        #expect(server.eventually { box.count == 1 })
        for _ in 0..<20 {
            #expect(try server.client().roundTrip(get("/hello")).status == 200)
        }
        box.answerAll(.text("finally"))
        #expect(try waiting.expectResponse().bodyText == "finally")
        // The connection goes on after a late answer.
        #expect(try waiting.roundTrip(get("/hello")).bodyText == "hello")
    }

    @Test func manyHeldRequestsAtOnce() throws {
        let box = ResponderBox()
        let server = try TestServer { router in
            router.add(.get, "/wait") { _, responder in box.hold(responder) }
        }
        var clients: [RawClient] = []
        for _ in 0..<200 {
            let client = try server.client()
            try client.send(get("/wait"))
            clients.append(client)
        }
        #expect(server.eventually { box.count == 200 })
        box.answerAll(.text("done"))
        for client in clients { #expect(try client.expectResponse().bodyText == "done") }
    }

    @Test func aThrowingHandlerGives500AndTheConnectionGoesOn() throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try client.roundTrip(get("/throw"))
        #expect(response.status == 500)
        #expect(response.errorCode == "internal")
        #expect(try client.roundTrip(get("/hello")).status == 200)
    }

    @Test func aThrownHTTPErrorIsSentAsIs() throws {
        let server = try TestServer()
        let response = try server.client().roundTrip(get("/forbidden"))
        #expect(response.status == 403)
        #expect(response.errorCode == "forbidden")
    }

    @Test func aDroppedResponderGives500() throws {
        let server = try TestServer()
        let client = try server.client()
        let response = try client.roundTrip(get("/drop"))
        #expect(response.status == 500)
        #expect(response.bodyText.contains("without answering"))
        #expect(try client.roundTrip(get("/hello")).status == 200)
    }

    @Test func onlyTheFirstAnswerCounts() throws {
        let thirdTried = DispatchSemaphore(value: 0)
        let server = try TestServer { router in
            router.add(.get, "/twice") { _, responder in
                responder.respond(.text("first"))
                responder.respond(.text("second"))
                DispatchQueue.global().async {
                    responder.respond(.text("third"))
                    thirdTried.signal()
                }
            }
        }
        let client = try server.client()
        #expect(try client.roundTrip(get("/twice")).bodyText == "first")
        // The late third answer has been tried before the next request: it must not be its answer.
        #expect(thirdTried.wait(timeout: .now() + 10) == .success)
        #expect(try client.roundTrip(get("/hello")).bodyText == "hello")
    }

    @Test func answeringFromAnotherThreadWhileTheHandlerRuns() throws {
        let server = try TestServer { router in
            router.add(.get, "/elsewhere") { _, responder in
                DispatchQueue.global().sync { responder.respond(.text("from elsewhere")) }
                usleep(10_000)
            }
        }
        let client = try server.client()
        for _ in 0..<20 {
            #expect(try client.roundTrip(get("/elsewhere")).bodyText == "from elsewhere")
        }
    }

    @Test func answeringAfterTheClientLeftIsHarmless() throws {
        let box = ResponderBox()
        let server = try TestServer { router in
            router.add(.get, "/wait") { _, responder in box.hold(responder) }
        }
        do {
            let client = try server.client()
            try client.send(get("/wait"))
            #expect(server.eventually { box.count == 1 })
            // Reset rather than FIN, so the server's read fails and it closes the connection.
            var hard = linger(l_onoff: 1, l_linger: 0)
            setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &hard, socklen_t(MemoryLayout<linger>.size))
        }
        // The connection is closed before the answer comes; the answer goes nowhere, quietly.
        #expect(server.eventually { server.server.openConnections == 0 })
        box.answerAll(.text("too late"))
        #expect(server.eventually { server.server.openConnections == 0 })
        #expect(try server.client().roundTrip(get("/hello")).status == 200)
    }

    @Test func handlersSeeParametersQueryHeadersAndBody() throws {
        let server = try TestServer { router in
            router.post("/v1/jobs/{id}/notes/{n}") { request in
                .text("\(request.parameter("id")!)|\(request.parameter("n")!)|\(request.query("k") ?? "-")|"
                      + "\(request.headers["x-token"] ?? "-")|\(String(decoding: request.body, as: UTF8.self))")
            }
        }
        let response = try server.client().roundTrip(
            "POST /v1/jobs/j%2F1/notes/7?k=v%26w HTTP/1.1\r\nHost: h\r\nX-Token: t\r\nContent-Length: 4\r\n\r\nbody")
        #expect(response.bodyText == "j/1|7|v&w|t|body")
    }
}
