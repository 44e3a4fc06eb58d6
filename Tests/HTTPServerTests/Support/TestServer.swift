import Foundation
@testable import HTTPServer

/// A server on an ephemeral loopback port with the routes the socket tests use.
final class TestServer {
    let server: HTTPServer
    let port: UInt16

    init(limits: HTTPServer.Limits = HTTPServer.Limits(), host: String = "127.0.0.1",
         extraRoutes: (inout Router) -> Void = { _ in }, accessLog: HTTPServer.AccessLog? = nil) throws {
        var router = TestServer.standardRouter()
        extraRoutes(&router)
        // Which server answered: the port is known only after start.
        let port = PortBox()
        router.get("/whoami") { _ in .text("server on \(port.value)") }
        server = HTTPServer(configuration: .init(host: host, port: 0, limits: limits), router: router, accessLog: accessLog)
        self.port = try server.start()
        port.value = self.port
    }

    deinit { server.shutdown(timeout: 1) }

    func client(timeout: Double = 5, receiveBuffer: Int32? = nil) throws -> RawClient {
        try RawClient(port: port, host: server.configuration.host == "::1" ? "::1" : "127.0.0.1",
                      timeout: timeout, receiveBuffer: receiveBuffer)
    }

    /// Polls until `condition` holds or `timeout` passes.
    func eventually(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    static func standardRouter() -> Router {
        var router = Router()
        router.get("/hello") { _ in .text("hello") }
        router.post("/echo") { request in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: request.body)
        }
        router.get("/items/{id}") { request in
            let payload = ["id": request.parameter("id") ?? "", "q": request.query("q") ?? ""]
            return try .json(payload)
        }
        // Answers after `ms` milliseconds from another queue, holding no thread meanwhile.
        router.add(.get, "/slow") { request, responder in
            let ms = Int(request.query("ms") ?? "") ?? 100
            let tag = request.query("tag") ?? ""
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(ms)) {
                responder.respond(.text("slow \(tag)"))
            }
        }
        router.get("/big") { request in
            let count = Int(request.query("bytes") ?? "") ?? 1_000_000
            return HTTPResponse(body: [UInt8](repeating: UInt8(ascii: "x"), count: count))
        }
        router.get("/throw") { _ in
            struct Boom: Error {}
            throw Boom()
        }
        router.get("/forbidden") { _ in
            throw HTTPError(.forbidden, code: "forbidden", message: "not for you")
        }
        router.add(.get, "/drop") { _, _ in /* never answers */ }
        router.get("/inject") { _ in
            HTTPResponse(headers: ["X-Evil": "a\r\nSet-Cookie: stolen=1"], body: Array("nope".utf8))
        }
        return router
    }
}

/// A GET with the headers every HTTP/1.1 request needs.
func get(_ target: String, _ extraHeaders: String = "") -> String {
    "GET \(target) HTTP/1.1\r\nHost: test\r\n\(extraHeaders)\r\n"
}

/// A port number set once after the server starts, read by its handlers.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: UInt16 = 0
    var value: UInt16 {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
