import Foundation
import Logging
import HTTPServer

/// Wires the API onto a router: the pipeline every request passes (request ids,
/// counting and timing, errors as JSON, the browser guard, auth before routing on
/// `/v1`), every store-touching handler on a bounded pool off the connections' queues,
/// images on a smaller one, and the browser dashboard's files outside `/v1`.
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
        let jobs = self.jobs, images = self.images, datasets = self.datasets, browserGuard = self.browserGuard

        // The pipeline, outermost first. Every answer is finished innermost first, so the
        // count sees the final status and the id is on every response, refusals included.
        router.use(RequestIdentity())
        router.use(RequestMetrics(metrics: metrics))
        router.use(ErrorResponses(logger: logger))
        router.use(PathGate("/") { try browserGuard.check($0); return nil })
        if let auth {
            // The API's description is public, as /healthz is: a client learns from it how to
            // authenticate, and it holds nothing the daemon keeps.
            router.use(PathGate("/v1", except: [OpenAPIDocument.path]) { try auth.check($0); return nil })
        }

        /// Runs `handler` on `pool`, answering 503 at once when the pool is full; `fast`
        /// answers first, on the connection's queue, when it can without the disk.
        func on(_ pool: WorkPool, _ method: HTTPMethod, _ pattern: String, query: QueryParameters = [],
                fast: (@Sendable (HTTPRequest) -> HTTPResponse?)? = nil,
                _ handler: @escaping @Sendable (HTTPRequest, Responder) throws -> Void) {
            router.add(method, pattern) { request, responder in
                try query.check(request)
                if let response = fast?(request) { return responder.respond(response) }
                let accepted = pool.submit {
                    do { try handler(request, responder) } catch { responder.fail(error) }
                }
                guard !accepted else { return }
                var busy = APIError(.serviceUnavailable, .busy, "too many \(pool.name) requests are in progress; retry in a moment")
                busy.headers = [("Retry-After", "1")]
                responder.respond(busy.response)
            }
        }

        func api(_ pool: WorkPool, _ method: HTTPMethod, _ pattern: String, query: QueryParameters = [],
                 fast: (@Sendable (HTTPRequest) -> HTTPResponse?)? = nil,
                 _ handler: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
            on(pool, method, pattern, query: query, fast: fast) { request, responder in
                responder.respond(try handler(request))
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
            try jobs.losses(request, responder)
        }
        let renderMetrics = self.renderMetrics
        api(requests, .get, "/metrics") { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                         body: Array(try renderMetrics().utf8))
        }
        Dashboard.register(on: &router)
        OpenAPIDocument.register(on: &router, tokenRequired: auth != nil)
        // On the connection's own queue: it waits behind no pool.
        let problem = self.problem
        router.get("/healthz") { _ in
            guard let problem = problem() else { return try APIJSON.response(["status": "ok"]) }
            return try APIJSON.response(["status": "unavailable", "problem": problem], status: .serviceUnavailable)
        }
        return router
    }
}
