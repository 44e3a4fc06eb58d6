import Foundation

/// Counters for `/metrics` (Prometheus text format 0.0.4).
public final class Metrics: @unchecked Sendable {
    // @unchecked: `requests` is only touched under `lock`.
    private let lock = NSLock()
    private var requests: [Int: Int] = [:]

    public init() {}

    public func countRequest(status: Int) {
        lock.lock()
        requests[status, default: 0] += 1
        lock.unlock()
    }

    func render(jobs: [JobStatus: Int], epochs: Int, queued: Int, imagesPerSecond: Double, stepsPerSecond: Double, waiting: Int) -> String {
        lock.lock()
        let requests = self.requests
        lock.unlock()
        var out = ""
        out += "# HELP gantry_jobs Jobs by status.\n# TYPE gantry_jobs gauge\n"
        for status in JobStatus.allCases { out += "gantry_jobs{status=\"\(status.rawValue)\"} \(jobs[status] ?? 0)\n" }
        out += "# HELP gantry_epochs_total Epochs recorded, over all jobs in the store.\n# TYPE gantry_epochs_total counter\n"
        out += "gantry_epochs_total \(epochs)\n"
        out += "# HELP gantry_queue_length Jobs waiting for a training slot.\n# TYPE gantry_queue_length gauge\n"
        out += "gantry_queue_length \(queued)\n"
        out += "# HELP gantry_training_images_per_second Images per second of the jobs training now (last epoch).\n"
        out += "# TYPE gantry_training_images_per_second gauge\ngantry_training_images_per_second \(imagesPerSecond)\n"
        out += "# HELP gantry_training_steps_per_second Training steps per second of the jobs training now (last epoch).\n"
        out += "# TYPE gantry_training_steps_per_second gauge\ngantry_training_steps_per_second \(stepsPerSecond)\n"
        out += "# HELP gantry_long_polls_waiting Loss requests waiting for an epoch.\n# TYPE gantry_long_polls_waiting gauge\n"
        out += "gantry_long_polls_waiting \(waiting)\n"
        out += "# HELP gantry_http_requests_total HTTP requests answered by the API, by status code.\n"
        out += "# TYPE gantry_http_requests_total counter\n"
        for (code, count) in requests.sorted(by: { $0.key < $1.key }) { out += "gantry_http_requests_total{code=\"\(code)\"} \(count)\n" }
        return out
    }
}
