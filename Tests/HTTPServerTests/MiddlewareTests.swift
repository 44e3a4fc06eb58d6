import Foundation
import Synchronization
import Testing
@testable import HTTPServer

/// The pipeline every request passes: stages see a request outermost first and its
/// answer innermost first, exactly once, whichever way the answer comes.
@Suite("Middleware")
struct MiddlewareTests {
    /// Records what it sees in a shared journal and tags requests and responses with its name.
    struct Tracing: Middleware {
        let name: String
        let journal: Journal
        var refuses = false
        var maps = false

        func receive(_ request: inout HTTPRequest) throws -> HTTPResponse? {
            journal.add("receive \(name)")
            request.headers.add("X-Seen", name)
            return refuses ? HTTPResponse(status: .forbidden) : nil
        }

        func response(for error: any Error, to request: HTTPRequest) -> HTTPResponse? {
            journal.add("map \(name)")
            return maps ? HTTPResponse(status: .teapotForTests, headers: ["X-Mapped-By": name]) : nil
        }

        func finish(_ response: inout HTTPResponse, to request: HTTPRequest, after seconds: Double) {
            journal.add("finish \(name) \(response.status.code) seen=\(request.headers.values(for: "X-Seen").joined(separator: ","))")
            response.headers.add("X-Finished", name)
        }
    }

    final class Journal: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// Keeps what a late answer delivers.
    final class KeepingSink: ResponseSink, Sendable {
        private let kept = Mutex<[HTTPResponse]>([])
        func deliver(_ response: HTTPResponse, requestID: UInt64) { kept.withLock { $0.append(response) } }
        var responses: [HTTPResponse] { kept.withLock { $0 } }
    }

    struct Boom: Error {}

    func router(_ journal: Journal, refuseAt: String? = nil, mapAt: String? = nil,
                routes: (inout Router) -> Void) -> Router {
        var router = Router()
        for name in ["outer", "middle", "inner"] {
            router.use(Tracing(name: name, journal: journal, refuses: name == refuseAt, maps: name == mapAt))
        }
        routes(&router)
        return router
    }

    func request(_ path: String, _ method: HTTPMethod = .get) -> HTTPRequest {
        HTTPRequest(method: method, target: path, path: path,
                    pathSegments: path.dropFirst().split(separator: "/").map(String.init))
    }

    @Test func stagesReceiveOutermostFirstAndFinishInnermostFirst() {
        let journal = Journal()
        let router = router(journal) { $0.get("/a") { request in .text(request.headers.values(for: "X-Seen").joined(separator: ",")) } }
        let response = router.dispatch(request("/a"), to: Responder(sink: KeepingSink(), requestID: 1))
        #expect(response.map { String(decoding: $0.body, as: UTF8.self) } == "outer,middle,inner", "the handler sees every stage's annotation")
        #expect(journal.all == ["receive outer", "receive middle", "receive inner",
                                "finish inner 200 seen=outer,middle,inner", "finish middle 200 seen=outer,middle,inner",
                                "finish outer 200 seen=outer,middle,inner"])
        #expect(response?.headers.values(for: "X-Finished") == ["inner", "middle", "outer"])
    }

    @Test func aRefusalEndsThePipelineAndOnlyStagesThatSawTheRequestFinishIt() {
        let journal = Journal()
        let handled = Mutex(false)
        let router = router(journal, refuseAt: "middle") { $0.get("/a") { _ in handled.withLock { $0 = true }; return .text("no") } }
        let response = router.dispatch(request("/a"), to: Responder(sink: KeepingSink(), requestID: 1))
        #expect(response?.status == .forbidden)
        #expect(!handled.withLock { $0 })
        #expect(journal.all == ["receive outer", "receive middle", "finish middle 403 seen=outer,middle", "finish outer 403 seen=outer,middle"])
    }

    @Test func unroutedRequestsPassThePipelineToo() {
        let journal = Journal()
        let router = router(journal) { $0.get("/a") { _ in .text("a") } }
        #expect(router.dispatch(request("/b"), to: Responder(sink: KeepingSink(), requestID: 1))?.status == .notFound)
        #expect(router.dispatch(request("/a", .post), to: Responder(sink: KeepingSink(), requestID: 2))?.status == .methodNotAllowed)
        #expect(journal.all.filter { $0.hasPrefix("finish outer") } == ["finish outer 404 seen=outer,middle,inner",
                                                                        "finish outer 405 seen=outer,middle,inner"])
    }

    @Test func aThrownErrorIsMappedByTheFirstStageThatAnswersThenFinished() {
        let journal = Journal()
        let router = router(journal, mapAt: "middle") { $0.get("/a") { _ in throw Boom() } }
        let response = router.dispatch(request("/a"), to: Responder(sink: KeepingSink(), requestID: 1))
        #expect(response?.status == .teapotForTests)
        #expect(response?.headers["X-Mapped-By"] == "middle")
        #expect(journal.all.filter { !$0.hasPrefix("receive") } == ["map outer", "map middle", "finish inner 418 seen=outer,middle,inner",
                                                                   "finish middle 418 seen=outer,middle,inner", "finish outer 418 seen=outer,middle,inner"])
    }

    @Test func anErrorNoStageMapsIsTheServersOwn500() {
        let journal = Journal()
        let router = router(journal) { $0.get("/a") { _ in throw Boom() } }
        let response = router.dispatch(request("/a"), to: Responder(sink: KeepingSink(), requestID: 1))
        #expect(response?.status == .internalServerError)
        #expect(journal.all.last == "finish outer 500 seen=outer,middle,inner")
    }

    @Test func aLateAnswerAndALateFailureAreFinishedOnceWhenTheyCome() throws {
        let journal = Journal()
        let kept = Mutex<Responder?>(nil)
        let router = router(journal, mapAt: "outer") {
            $0.add(.get, "/late") { _, responder in kept.withLock { $0 = responder } }
        }
        let sink = KeepingSink()
        #expect(router.dispatch(request("/late"), to: Responder(sink: sink, requestID: 1)) == nil, "the handler kept the responder")
        #expect(!journal.all.contains { $0.hasPrefix("finish") }, "nothing is finished before the answer")
        let responder = try #require(kept.withLock { $0 })
        responder.respond(.text("late"))
        responder.respond(.text("ignored"))
        responder.fail(Boom())
        #expect(sink.responses.map { String(decoding: $0.body, as: UTF8.self) } == ["late"])
        #expect(sink.responses.first?.headers.values(for: "X-Finished") == ["inner", "middle", "outer"])
        #expect(journal.all.filter { $0.hasPrefix("finish") }.count == 3, "finished once: \(journal.all)")

        // A failure handed over after the handler returned is mapped as a thrown one is.
        let second = KeepingSink()
        #expect(router.dispatch(request("/late"), to: Responder(sink: second, requestID: 2)) == nil)
        try #require(kept.withLock { $0 }).fail(Boom())
        #expect(second.responses.map(\.status) == [.teapotForTests])
        #expect(second.responses.first?.headers["X-Mapped-By"] == "outer")
    }

    @Test func aDroppedResponderSends500ThroughThePipeline() {
        let journal = Journal()
        let router = router(journal) { $0.add(.get, "/dropped") { _, _ in } }
        let sink = KeepingSink()
        #expect(router.dispatch(request("/dropped"), to: Responder(sink: sink, requestID: 1)) == nil)
        #expect(sink.responses.map(\.status) == [.internalServerError])
        #expect(sink.responses.first?.headers.values(for: "X-Finished") == ["inner", "middle", "outer"])
    }

    @Test func aThrowingReceiveRefusesThroughTheErrorMapping() {
        struct Refusing: Middleware {
            func receive(_ request: inout HTTPRequest) throws -> HTTPResponse? { throw Boom() }
        }
        let journal = Journal()
        var router = Router()
        router.use(Tracing(name: "outer", journal: journal, maps: true))
        router.use(Refusing())
        router.get("/a") { _ in .text("a") }
        let response = router.dispatch(request("/a"), to: Responder(sink: KeepingSink(), requestID: 1))
        #expect(response?.status == .teapotForTests)
        #expect(journal.all == ["receive outer", "map outer", "finish outer 418 seen=outer"])
    }

    /// The stages' `seconds` run from dispatch to the answer, a late one included.
    @Test func finishIsToldHowLongTheAnswerTook() throws {
        final class Timing: Middleware {
            let seen = Mutex<[Double]>([])
            func finish(_ response: inout HTTPResponse, to request: HTTPRequest, after seconds: Double) {
                seen.withLock { $0.append(seconds) }
            }
        }
        let timing = Timing()
        let kept = Mutex<Responder?>(nil)
        var router = Router()
        router.use(timing)
        router.add(.get, "/late") { _, responder in kept.withLock { $0 = responder } }
        _ = router.dispatch(request("/late"), to: Responder(sink: KeepingSink(), requestID: 1))
        Thread.sleep(forTimeInterval: 0.05)
        try #require(kept.withLock { $0 }).respond(.text("late"))
        let seconds = try #require(timing.seen.withLock { $0 }.first)
        #expect(seconds >= 0.05 && seconds < 30, "\(seconds)")
    }
}

extension HTTPStatus {
    static let teapotForTests = HTTPStatus(code: 418, reason: "I'm a teapot")
}
