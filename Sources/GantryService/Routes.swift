import Foundation
import HTTPServer

/// Wires the API onto a router: auth on `/v1`, request counting, and errors as JSON.
struct Routes {
    let jobs: JobsAPI
    let images: ImagesAPI
    let datasets: DatasetsAPI
    let metrics: Metrics
    let auth: BearerAuth?
    let renderMetrics: @Sendable () throws -> String

    func router() -> Router {
        var router = Router()
        let metrics = self.metrics
        let auth = self.auth
        let jobs = self.jobs, images = self.images, datasets = self.datasets

        /// The API's answer to `request`: auth, then the handler, an `APIError` as its JSON.
        @Sendable func answer(_ request: HTTPRequest, _ handler: (HTTPRequest) throws -> HTTPResponse) throws -> HTTPResponse {
            let response: HTTPResponse
            do {
                try auth?.check(request)
                response = try handler(request)
            } catch let error as APIError {
                response = error.response
            }
            metrics.countRequest(status: response.status.code)
            return response
        }

        func api(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
            router.add(method, pattern, immediate: { request in try answer(request, handler) })
        }

        /// For handlers that wait for a job to stop (up to 5 s): they run off the
        /// connection's queue and answer through the responder.
        func waitingAPI(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
            router.add(method, pattern) { request, responder in
                DispatchQueue.global(qos: .utility).async {
                    do { responder.respond(try answer(request, handler)) } catch {
                        responder.respond(HTTPError(.internalServerError, code: "internal", message: "internal error: \(error)").response)
                    }
                }
            }
        }

        api(.post, "/v1/jobs") { try jobs.create($0) }
        api(.get, "/v1/jobs") { try jobs.list($0) }
        api(.get, "/v1/jobs/{id}") { try jobs.show($0) }
        waitingAPI(.delete, "/v1/jobs/{id}") { try jobs.delete($0) }
        waitingAPI(.post, "/v1/jobs/{id}/cancel") { try jobs.cancel($0) }
        api(.get, "/v1/jobs/{id}/samples") { try images.samples($0, job: jobs.job($0)) }
        api(.get, "/v1/jobs/{id}/epochs/{n}/samples") { try images.epochSamples($0, job: jobs.job($0)) }
        api(.get, "/v1/jobs/{id}/progression") { try images.progression($0, job: jobs.job($0)) }
        api(.get, "/v1/jobs/{id}/checkpoint") { try images.checkpoint($0, job: jobs.job($0)) }
        api(.get, "/v1/datasets") { try datasets.list($0) }
        api(.get, "/v1/datasets/{name}") { try datasets.show($0) }
        router.add(.get, "/v1/jobs/{id}/losses") { request, responder in
            do {
                try auth?.check(request)
                try jobs.losses(request, responder) { metrics.countRequest(status: $0.status.code) }
            } catch let error as APIError {
                metrics.countRequest(status: error.status.code)
                responder.respond(error.response)
            }
        }
        let renderMetrics = self.renderMetrics
        router.get("/healthz") { _ in try APIJSON.response(["status": "ok"]) }
        router.get("/metrics") { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                         body: Array(try renderMetrics().utf8))
        }
        return router
    }
}

/// `Authorization: Bearer TOKEN` on every `/v1` request, compared in constant time.
struct BearerAuth: Sendable {
    let token: [UInt8]

    init(tokenFile: String) throws {
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw ConfigError(key: "auth_token_file", message: "cannot read \(tokenFile)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count >= 16 else {
            throw ConfigError(key: "auth_token_file", message: "\(tokenFile) holds a token shorter than 16 characters")
        }
        token = Array(text.utf8)
    }

    func check(_ request: HTTPRequest) throws {
        guard let header = request.headers["Authorization"], header.count > 7,
              header.prefix(7).lowercased() == "bearer " else {
            throw unauthorized("this request needs an Authorization: Bearer header")
        }
        guard Self.constantTimeEquals(Array(header.utf8.dropFirst(7)), token) else {
            throw unauthorized("the bearer token is not valid")
        }
    }

    /// Compares every byte whatever the first difference, so timing reveals nothing but the length.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }

    private func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, "unauthorized", message)
        error.headers = [("WWW-Authenticate", "Bearer realm=\"gantry\"")]
        return error
    }
}
