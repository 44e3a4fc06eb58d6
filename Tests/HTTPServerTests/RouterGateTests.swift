import Testing
@testable import HTTPServer

/// A gate covers exactly the requests its routes would match: it is decided on the
/// decoded segments routing uses, so no spelling of a path reaches a route past it.
@Suite("Router gates")
struct RouterGateTests {
    /// A request as the parser makes it from `target`: raw path, decoded segments.
    func request(_ method: HTTPMethod, _ target: String, token: Bool = false) throws -> HTTPRequest {
        let parsed = try Array(target.utf8).withUnsafeBufferPointer { try RequestTarget.parse($0, method: method) }
        var headers = HTTPHeaders()
        if token { headers.add("Authorization", "yes") }
        return HTTPRequest(method: method, target: target, path: parsed.path, pathSegments: parsed.segments,
                           queryItems: parsed.queryItems, headers: headers)
    }

    /// `/v1/...` behind a gate that refuses requests without an Authorization header with a 401.
    func gatedRouter() -> Router {
        var router = Router()
        router.gate("/v1") { request in
            request.headers.values(for: "Authorization").isEmpty ? HTTPResponse(status: .unauthorized) : nil
        }
        router.get("/v1/jobs") { _ in .text("list") }
        router.post("/v1/jobs") { _ in .text("create") }
        router.get("/v1/jobs/{id}") { request in .text("job \(request.parameter("id")!)") }
        router.delete("/v1/jobs/{id}") { _ in .text("deleted") }
        router.get("/v1x") { _ in .text("outside") }
        router.get("/healthz") { _ in .text("ok") }
        return router
    }

    func status(_ router: Router, _ request: HTTPRequest) -> HTTPStatus? {
        router.dispatch(request, to: Responder(sink: CapturingSink(), requestID: 1))?.status
    }

    static let spellings = ["/v1/jobs", "/v%31/jobs", "/%76%31/jobs", "/%761/jobs", "/%76%31/%6A%6F%62%73", "/v1/%6aobs",
                            "http://x/%761/jobs", "http://x/v%31/jobs", "HTTP://x:80/%76%31/jobs"]

    @Test(arguments: spellings)
    func everySpellingOfAGatedRouteIsGated(target: String) throws {
        let router = gatedRouter()
        for method in [HTTPMethod.get, .post, .put, .head] {
            #expect(status(router, try request(method, target)) == .unauthorized, "\(method) \(target) without a token")
        }
        #expect(status(router, try request(.get, target, token: true)) == .ok, "GET \(target) with a token routes as /v1/jobs")
        #expect(status(router, try request(.post, target, token: true)) == .ok)
        #expect(status(router, try request(.delete, target, token: true)) == .methodNotAllowed)
    }

    @Test func theGateCoversThePrefixItselfAndWhatIsUnderIt() throws {
        let router = gatedRouter()
        for target in ["/v1", "/v%31", "/v1/", "/%76%31/", "/v1/nonexistent", "/v%31/jobs/7", "/v1//jobs"] {
            #expect(status(router, try request(.get, target)) == .unauthorized, "GET \(target)")
        }
        #expect(status(router, try request(.delete, "/%76%31/jobs/7")) == .unauthorized)
        #expect(status(router, try request(.delete, "/%76%31/jobs/7", token: true)) == .ok)
    }

    @Test func pathsThatOnlyLookLikeThePrefixAreNotGated() throws {
        let router = gatedRouter()
        // `/v1x` is its own segment; an encoded slash keeps `v1/jobs` one segment, which no route matches.
        #expect(status(router, try request(.get, "/v1x")) == .ok)
        #expect(status(router, try request(.get, "/v%31x")) == .ok)
        #expect(status(router, try request(.get, "/v1%2Fjobs")) == .notFound)
        #expect(status(router, try request(.get, "/healthz")) == .ok)
        #expect(status(router, try request(.get, "/%68ealthz")) == .ok)
    }
}
