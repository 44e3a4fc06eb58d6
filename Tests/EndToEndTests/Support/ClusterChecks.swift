import Foundation

/// What the cluster tests ask of nodes and logs, beside the fixture that starts them.
extension ClusterFixture {
    /// The node a job is on, waiting until it was claimed and has recorded `epochs`
    /// epochs (polled through `via`).
    func holder(of id: String, via: Node, afterEpochs epochs: Int) throws -> Node {
        let claimed = try via.api.waitFor(id, timeout: 120, every: 0.02, what: "claimed by a node, \(epochs) epoch(s) recorded") {
            $0.node != nil && $0.status == "running" && $0.epoch >= epochs
        }
        guard let name = claimed.node, let node = nodes.first(where: { $0.name == name }) else {
            throw HTTPClientError("job \(id) names node \(claimed.node ?? "nil"), not one of \(nodes.map(\.name))")
        }
        return node
    }
}

extension ClusterFixture.Node {
    /// Whether this node's /metrics has `gantry_job_running{job="ID",node="NAME"} 1`.
    func trains(_ id: String) throws -> Bool {
        try api.runningJobs().contains { $0.job == id && $0.node == name }
    }
}

/// The lines of `log` that mention job `id` and contain `phrase`.
func lines(of log: String, mentioning id: String, containing phrase: String) -> [Substring] {
    log.split(separator: "\n").filter { $0.contains(id) && $0.contains(phrase) }
}

/// One of several requests sent at once: its index, its status (-1 when it got no
/// answer) and the response, or what went wrong.
struct ConcurrentOutcome: CustomStringConvertible, @unchecked Sendable {
    // @unchecked: `Response` holds only values; it is read after every request ended.
    let index: Int
    let response: Response?
    let error: String?

    var status: Int { response?.status ?? -1 }
    var description: String { response.map { $0.status == 200 ? "200" : $0.description } ?? error ?? "no answer" }
}

/// Sends `count` requests at once (`request(i)` for each index) and returns every
/// outcome, in index order.
func concurrently(_ count: Int, _ request: @Sendable (Int) throws -> Response) -> [ConcurrentOutcome] {
    final class Outcomes: @unchecked Sendable {
        // @unchecked: appended to under `lock` only.
        let lock = NSLock()
        var all: [ConcurrentOutcome] = []
    }
    let outcomes = Outcomes()
    DispatchQueue.concurrentPerform(iterations: count) { i in
        let outcome: ConcurrentOutcome
        do { outcome = ConcurrentOutcome(index: i, response: try request(i), error: nil) } catch {
            outcome = ConcurrentOutcome(index: i, response: nil, error: "\(error)")
        }
        outcomes.lock.withLock { outcomes.all.append(outcome) }
    }
    return outcomes.all.sorted { $0.index < $1.index }
}
