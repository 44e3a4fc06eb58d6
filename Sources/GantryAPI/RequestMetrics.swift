import HTTPServer

/// Counts and times every answer the daemon gives, whatever route (or none) it came
/// from: refusals, 404s, errors and long-polls included.
struct RequestMetrics: Middleware {
    let metrics: Metrics

    func finish(_ response: inout HTTPResponse, to request: HTTPRequest, after seconds: Double) {
        metrics.countRequest(status: response.status.code, seconds: seconds)
    }
}
