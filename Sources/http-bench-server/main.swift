// A tiny server for scripts/bench-http.sh: the HTTPServer module with the two
// routes the benchmark measures, and nothing else, so wrk measures the server.
import Dispatch
import Foundation
import HTTPServer

struct Greeting: Codable {
    let name: String
    let epoch: Int
    let losses: [Double]
}

func terminationSignals() -> sigset_t {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGINT)
    return set
}
var blocked = terminationSignals()
pthread_sigmask(SIG_BLOCK, &blocked, nil)

var host = "127.0.0.1"
var port: UInt16 = 8089
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--host": host = arguments.next() ?? host
    case "--port": port = arguments.next().flatMap(UInt16.init) ?? port
    default:
        FileHandle.standardError.write(Data("usage: http-bench-server [--host H] [--port P]\n".utf8))
        exit(2)
    }
}

var router = Router()
let healthBody = Array(#"{"status":"ok"}"#.utf8)
router.get("/healthz") { _ in .json(bytes: healthBody) }
// A small JSON route that does real work per request: a path parameter, a
// query item and JSONEncoder.
router.get("/v1/hello/{name}") { request in
    let epoch = Int(request.query("epoch") ?? "") ?? 1
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return try .json(Greeting(name: request.parameter("name") ?? "", epoch: epoch, losses: [0.37, 3.5]), encoder: encoder)
}

var limits = HTTPServer.Limits()
limits.maxConnections = 4096
let server = HTTPServer(configuration: .init(host: host, port: port, limits: limits), router: router) { line in
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
let bound = try server.start()
FileHandle.standardOutput.write(Data("listening on \(host):\(bound)\n".utf8))

// Wait for SIGTERM/SIGINT on a thread of our own with sigwait: they are
// blocked above, before any thread exists, so every thread inherits the mask
// and the signal can only be taken here.
let waiter = Thread {
    var set = terminationSignals()
    var received: Int32 = 0
    sigwait(&set, &received)
    server.shutdown(timeout: 2)
    exit(0)
}
waiter.start()
while true { sleep(3600) }
