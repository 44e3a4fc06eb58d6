import Testing
@testable import HTTPServer

@Suite("Router")
struct RouterTests {
    /// Runs the resolved handler synchronously and returns what it answered.
    func answer(_ router: Router, _ method: HTTPMethod, _ path: String) throws -> (HTTPResponse?, [String: String]) {
        let segments = path == "/" ? [] : path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch router.resolve(method: method, path: path, segments: segments) {
        case .handler(let handler, let parameters):
            let sink = CapturingSink()
            let responder = Responder(sink: sink, requestID: 1)
            var thrown: (any Error)?
            var request = HTTPRequest(method: method, target: path, path: path, pathSegments: segments)
            request.pathParameters = parameters
            do { try handler(request, responder) } catch { thrown = error }
            return (responder.handlerReturned(thrown: thrown), parameters)
        case .notFound:
            return (HTTPResponse(status: .notFound), [:])
        case .methodNotAllowed(let allow):
            return (HTTPResponse(status: .methodNotAllowed, headers: ["Allow": allow.map(\.rawValue).joined(separator: ", ")]), [:])
        }
    }

    func sampleRouter() -> Router {
        var router = Router()
        router.get("/healthz") { _ in .text("ok") }
        router.get("/v1/jobs") { _ in .text("list") }
        router.post("/v1/jobs") { _ in .text("create") }
        router.get("/v1/jobs/{id}") { request in .text("job \(request.parameter("id")!)") }
        router.delete("/v1/jobs/{id}") { _ in .text("deleted") }
        router.get("/v1/jobs/stats") { _ in .text("stats") }
        router.get("/v1/jobs/{id}/epochs/{n}/samples") { r in .text("\(r.parameter("id")!)/\(r.parameter("n")!)") }
        router.post("/v1/jobs/{id}/cancel") { _ in .text("cancel") }
        router.get("/") { _ in .text("root") }
        return router
    }

    @Test func matchesStaticAndParameterRoutes() throws {
        let router = sampleRouter()
        #expect(try answer(router, .get, "/healthz").0?.body == Array("ok".utf8))
        #expect(try answer(router, .post, "/v1/jobs").0?.body == Array("create".utf8))
        #expect(try answer(router, .get, "/v1/jobs/abc").0?.body == Array("job abc".utf8))
        #expect(try answer(router, .get, "/v1/jobs/7/epochs/3/samples").0?.body == Array("7/3".utf8))
        #expect(try answer(router, .get, "/").0?.body == Array("root".utf8))
    }

    @Test func literalSegmentsBeatParameters() throws {
        #expect(try answer(sampleRouter(), .get, "/v1/jobs/stats").0?.body == Array("stats".utf8))
    }

    @Test func unknownPathsAre404() throws {
        let router = sampleRouter()
        #expect(try answer(router, .get, "/nope").0?.status == .notFound)
        #expect(try answer(router, .get, "/v1/jobs/1/2").0?.status == .notFound)
        #expect(try answer(router, .get, "/healthz/").0?.status == .notFound)
        // An empty segment is not a parameter value.
        #expect(try answer(router, .get, "/v1/jobs//epochs/1/samples").0?.status == .notFound)
    }

    @Test func wrongMethodIs405WithAllow() throws {
        let router = sampleRouter()
        let (response, _) = try answer(router, .put, "/v1/jobs/9")
        #expect(response?.status == .methodNotAllowed)
        #expect(response?.headers["Allow"] == "DELETE, GET, HEAD")
        #expect(try answer(router, .get, "/v1/jobs/9/cancel").0?.headers["Allow"] == "POST")
        #expect(try answer(router, .delete, "/v1/jobs").0?.headers["Allow"] == "GET, HEAD, POST")
    }

    @Test func headIsServedByGet() throws {
        let router = sampleRouter()
        #expect(try answer(router, .head, "/healthz").0?.status == .ok)
        #expect(try answer(router, .head, "/v1/jobs/3").0?.body == Array("job 3".utf8))
    }

    @Test func unknownMethodsAre405() throws {
        #expect(try answer(sampleRouter(), HTTPMethod("BREW"), "/healthz").0?.status == .methodNotAllowed)
    }

    @Test func patternsAreParsed() {
        let pattern = RoutePattern("/v1/jobs/{id}/losses")
        #expect(pattern.segments == [.literal("v1"), .literal("jobs"), .parameter("id"), .literal("losses")])
        #expect(pattern.match(["v1", "jobs", "a b", "losses"]) == ["id": "a b"])
        #expect(pattern.match(["v1", "jobs", "x"]) == nil)
        #expect(RoutePattern("/").segments.isEmpty)
        #expect(RoutePattern("/a/{b}").isStatic == false)
        #expect(RoutePattern("/a/b").isStatic)
    }
}

final class CapturingSink: ResponseSink, @unchecked Sendable {
    func deliver(_ response: HTTPResponse, requestID: UInt64) {}
}
