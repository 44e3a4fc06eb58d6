import Foundation
import Logging
import HTTPServer

/// Wires the API onto a router: auth before routing on `/v1`, every store-touching
/// handler on a bounded pool off the connections' queues, images on a smaller one,
/// errors as JSON, request counting, and the browser dashboard's files outside `/v1`.
package struct Routes {
    let jobs: JobsAPI
    let images: ImagesAPI
    let datasets: DatasetsAPI
    let metrics: Metrics
    let auth: BearerAuth?
    let browserGuard: BrowserGuard
    /// API calls that read or write the store.
    let requests: WorkPool
    /// Sampling, grids and checkpoint downloads: products under the BLAS gate, or large files.
    let heavy: WorkPool
    /// nil when the daemon is healthy, else what is wrong (for `/healthz`).
    let problem: @Sendable () -> String?
    let logger: Logger
    let renderMetrics: @Sendable () throws -> String

    package init(jobs: JobsAPI, images: ImagesAPI, datasets: DatasetsAPI, metrics: Metrics, auth: BearerAuth?,
                 browserGuard: BrowserGuard, requests: WorkPool, heavy: WorkPool, problem: @escaping @Sendable () -> String?,
                 logger: Logger, renderMetrics: @escaping @Sendable () throws -> String) {
        self.jobs = jobs
        self.images = images
        self.datasets = datasets
        self.metrics = metrics
        self.auth = auth
        self.browserGuard = browserGuard
        self.requests = requests
        self.heavy = heavy
        self.problem = problem
        self.logger = logger
        self.renderMetrics = renderMetrics
    }

    package func router() -> Router {
        var router = Router()
        let metrics = self.metrics, failures = ErrorResponses(logger: logger)
        let jobs = self.jobs, images = self.images, datasets = self.datasets, browserGuard = self.browserGuard

        /// The counted error answer when `check` refuses `request`, nil when it passes.
        @Sendable func refusal(_ request: HTTPRequest, _ check: (HTTPRequest) throws -> Void) -> HTTPResponse? {
            do { try check(request) } catch {
                let response = failures.response(for: error, to: request)
                metrics.countRequest(status: response.status.code)
                return response
            }
            return nil
        }

        router.gate("/") { refusal($0, browserGuard.check) }
        if let auth {
            // The API's description is public, as /healthz is: a client learns from it how to
            // authenticate, and it holds nothing the daemon keeps.
            router.gate("/v1", except: [OpenAPIDocument.path]) { refusal($0, auth.check) }
        }

        /// Runs `handler` on `pool`, answering 503 at once when the pool is full; `fast`
        /// answers first, on the connection's queue, when it can without the disk.
        func on(_ pool: WorkPool, _ method: HTTPMethod, _ pattern: String, query: QueryParameters = [],
                fast: (@Sendable (HTTPRequest) -> HTTPResponse?)? = nil,
                _ handler: @escaping @Sendable (HTTPRequest, Responder) throws -> Void) {
            router.add(method, pattern) { request, responder in
                if let refused = refusal(request, query.check) { return responder.respond(refused) }
                if let response = fast?(request) {
                    metrics.countRequest(status: response.status.code)
                    return responder.respond(response)
                }
                let accepted = pool.submit {
                    do { try handler(request, responder) } catch {
                        let response = failures.response(for: error, to: request)
                        metrics.countRequest(status: response.status.code)
                        responder.respond(response)
                    }
                }
                guard !accepted else { return }
                var busy = APIError(.serviceUnavailable, .busy, "too many \(pool.name) requests are in progress; retry in a moment")
                busy.headers = [("Retry-After", "1")]
                metrics.countRequest(status: busy.status.code)
                responder.respond(busy.response)
            }
        }

        func api(_ pool: WorkPool, _ method: HTTPMethod, _ pattern: String, query: QueryParameters = [],
                 fast: (@Sendable (HTTPRequest) -> HTTPResponse?)? = nil,
                 _ handler: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
            on(pool, method, pattern, query: query, fast: fast) { request, responder in
                let response = try handler(request)
                metrics.countRequest(status: response.status.code)
                responder.respond(response)
            }
        }

        // Each route names the query parameters it reads: any other, or one given twice, is a
        // 400, as an unknown body field is (a typo like `cout=64` must not pass for the default).
        let samplesQuery: QueryParameters = ["count", "columns", "pad", "seed", "epoch", "digit", "digits"]
        api(requests, .post, "/v1/jobs") { try jobs.create($0) }
        api(requests, .get, "/v1/jobs", query: ["status", "limit", "cursor"]) { try jobs.list($0) }
        api(requests, .get, "/v1/jobs/{id}", fast: { jobs.showIfCached($0) }) { try jobs.show($0) }
        api(requests, .delete, "/v1/jobs/{id}") { try jobs.delete($0) }
        api(requests, .post, "/v1/jobs/{id}/cancel") { try jobs.cancel($0) }
        api(heavy, .get, "/v1/jobs/{id}/samples", query: samplesQuery) { request in
            try jobs.aboutJob(request) { try images.samples(request, job: $0) }
        }
        api(heavy, .get, "/v1/jobs/{id}/epochs/{n}/samples", query: ["columns", "pad"]) { request in
            try jobs.aboutJob(request) { try images.epochSamples(request, job: $0) }
        }
        api(heavy, .get, "/v1/jobs/{id}/progression", query: ["rows", "columns", "pad"]) { request in
            try jobs.aboutJob(request) { try images.progression(request, job: $0) }
        }
        api(heavy, .get, "/v1/jobs/{id}/checkpoint", query: ["epoch"]) { request in
            try jobs.aboutJob(request) { try images.checkpoint(request, job: $0) }
        }
        api(heavy, .get, "/v1/jobs/{id}/export", query: ["format", "epoch"]) { request in
            try jobs.aboutJob(request) { try images.export(request, job: $0) }
        }
        api(requests, .get, "/v1/datasets") { try datasets.list($0) }
        api(requests, .get, "/v1/datasets/{name}") { try datasets.show($0) }
        on(requests, .get, "/v1/jobs/{id}/losses", query: ["since", "wait"], fast: { jobs.lossesIfCached($0) }) { request, responder in
            try jobs.losses(request, responder, failure: { failures.response(for: $0, to: request) }) {
                metrics.countRequest(status: $0.status.code)
            }
        }
        let renderMetrics = self.renderMetrics
        api(requests, .get, "/metrics") { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                         body: Array(try renderMetrics().utf8))
        }
        Dashboard.register(on: &router) { metrics.countRequest(status: $0) }
        OpenAPIDocument.register(on: &router, tokenRequired: auth != nil) { metrics.countRequest(status: $0) }
        // On the connection's own queue: it waits behind no pool.
        let problem = self.problem
        router.get("/healthz") { _ in
            guard let problem = problem() else { return try APIJSON.response(["status": "ok"]) }
            return try APIJSON.response(["status": "unavailable", "problem": problem], status: .serviceUnavailable)
        }
        return router
    }
}
