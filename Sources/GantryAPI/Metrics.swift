import Foundation
import Synchronization
import Linalg
import GantryJobs

/// Counters for `/metrics` (Prometheus text format 0.0.4).
public final class Metrics: Sendable {
    /// Requests answered, by status code, and how long they took.
    private let requests = Mutex(RequestCounts())

    /// The upper bounds (seconds) of the request-duration histogram's buckets: from a
    /// cached read on the connection's queue to a long-poll's wait.
    static let durationBuckets: [Double] = [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60]

    struct RequestCounts {
        var byStatus: [Int: Int] = [:]
        /// Requests at or under each of `durationBuckets`, non-cumulative (the render sums).
        var inBucket = [Int](repeating: 0, count: Metrics.durationBuckets.count + 1)
        var seconds = 0.0
    }
    private let blas: BLASCoreReport
    private let node: String
    private let storeKind: String

    /// `storeKind` is the kind of store the daemon uses (`sqlite` or `postgres`).
    public init(blas: BLASCoreReport, node: String = "local", storeKind: String = "sqlite") {
        self.blas = blas
        self.node = node
        self.storeKind = storeKind
    }

    /// One answered request: its status and seconds from the parsed request to the queued response.
    func countRequest(status: Int, seconds: Double) {
        let bucket = Self.durationBuckets.firstIndex { seconds <= $0 } ?? Self.durationBuckets.count
        requests.withLock {
            $0.byStatus[status, default: 0] += 1
            $0.inBucket[bucket] += 1
            $0.seconds += seconds
        }
    }

    package func render(jobs: [JobStatus: Int], epochs: Int, queued: Int, imagesPerSecond: Double, stepsPerSecond: Double, waiting: Int,
                running: [Job] = [], runningHere: [String] = []) -> String {
        let requests = self.requests.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { out += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        family("gantry_jobs", "gauge", "Jobs by status.",
               JobStatus.allCases.map { ("{status=\"\($0.rawValue)\"}", "\(jobs[$0] ?? 0)") })
        family("gantry_epochs_total", "counter", "Epochs recorded, over all jobs in the store.", [("", "\(epochs)")])
        family("gantry_queue_length", "gauge", "Jobs waiting for a training slot.", [("", "\(queued)")])
        family("gantry_training_images_per_second", "gauge", "Images per second of the jobs training now (last epoch).",
               [("", "\(imagesPerSecond)")])
        family("gantry_training_steps_per_second", "gauge", "Training steps per second of the jobs training now (last epoch).",
               [("", "\(stepsPerSecond)")])
        family("gantry_long_polls_waiting", "gauge", "Loss requests waiting for an epoch.", [("", "\(waiting)")])
        // Per running job (at most `concurrent_jobs` series, so the label stays bounded).
        let scored = running.compactMap { job in job.lastEvaluated?.evaluation.map { (job, $0.scores) } }
        family("gantry_job_fd", "gauge", "Fréchet distance of the latest evaluated epoch of each running job (lower is better).",
               scored.map { ("{job=\"\($0.0.id)\"}", "\($0.1.fd)") })
        family("gantry_job_best_fd", "gauge", "Lowest Fréchet distance so far of each running job.",
               running.compactMap { job in job.best?.evaluation.map { ("{job=\"\(job.id)\"}", "\($0.scores.fd)") } })
        family("gantry_job_largest_class_share", "gauge",
               "Share of the latest evaluation's samples in its largest class, per running job (above 0.4: mode collapse).",
               scored.map { ("{job=\"\($0.0.id)\"}", "\($0.1.largestClassShare)") })
        func label(_ text: String) -> String {
            text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
        }
        family("gantry_blas_info", "gauge", "The CPU, the OpenBLAS core running the products, the best core for this CPU, and why this one.",
               [("{cpu=\"\(label(blas.cpu.model))\",core=\"\(label(blas.core))\",best=\"\(label(blas.best))\",reason=\"\(label(blas.reason))\"}", "1")])
        family("gantry_node_info", "gauge", "This daemon's node name and the kind of store it uses (shared by a cluster: postgres).",
               [("{node=\"\(label(node))\",store=\"\(storeKind)\"}", "1")])
        family("gantry_job_running", "gauge", "The jobs this node trains now (each node reports its own).",
               runningHere.map { ("{job=\"\($0)\",node=\"\(label(node))\"}", "1") })
        family("gantry_http_requests_total", "counter", "HTTP requests answered, by status code.",
               requests.byStatus.sorted { $0.key < $1.key }.map { ("{code=\"\($0.key)\"}", "\($0.value)") })
        var cumulative = 0
        var buckets: [(labels: String, value: String)] = []
        for (index, count) in requests.inBucket.enumerated() {
            cumulative += count
            let bound = index < Self.durationBuckets.count ? "\(Self.durationBuckets[index])" : "+Inf"
            buckets.append(("_bucket{le=\"\(bound)\"}", "\(cumulative)"))
        }
        family("gantry_http_request_duration_seconds", "histogram",
               "Seconds from a parsed request to its queued response (long-polls included).",
               buckets + [("_sum", "\(requests.seconds)"), ("_count", "\(cumulative)")])
        return out
    }
}
