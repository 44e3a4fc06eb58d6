import Foundation
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A cluster test's world: one throwaway PostgreSQL (`PostgresServer`), the mnist5k
/// mirror, and several `gantry serve` daemons ("nodes") sharing that database, each
/// with its own state folder (its dataset cache) and its own port. `Fixture` allows
/// one running daemon; this is its sibling for several. `ClusterFixture.with` always
/// tears everything down (daemons first, then the mirror and the database); when the
/// body throws, the error carries every node's log tail and the server's.
final class ClusterFixture {
    /// One daemon of the cluster.
    final class Node {
        let name: String
        let stateDir: URL
        fileprivate(set) var child: Child
        /// nil until the daemon printed its "listening" line.
        fileprivate(set) var port: Int?

        fileprivate init(name: String, stateDir: URL, child: Child) {
            self.name = name
            self.stateDir = stateDir
            self.child = child
        }

        var api: API { API(port: port ?? 0) }
        var log: String { child.stderr }
        var isRunning: Bool { child.isRunning }
        var pid: Int32 { child.pid }
    }

    let label: String
    let root: URL
    let mirror: Mirror
    let postgres: PostgresServer
    private(set) var nodes: [Node] = []
    /// Every daemon started, in order (a restarted node's earlier processes too).
    private var children: [Child] = []
    private let keep = ProcessInfo.processInfo.environment["GANTRY_E2E_KEEP"] != nil

    init(_ label: String) throws {
        self.label = label
        guard FileManager.default.isExecutableFile(atPath: Paths.gantry) else {
            throw HTTPClientError("no gantry executable at \(Paths.gantry) (set GANTRY_E2E_BINARY to point at one)")
        }
        root = Paths.temporaryDirectory(label)
        do {
            mirror = try Mirror(folder: Paths.mnist5k, logDirectory: root)
        } catch {
            try? FileManager.default.removeItem(at: root)
            throw error
        }
        do {
            postgres = try PostgresServer(name: "pg-\(label)")
        } catch {
            mirror.stop()
            try? FileManager.default.removeItem(at: root)
            throw error
        }
    }

    /// Runs `body` with a fresh cluster (no node started yet) and always cleans up.
    static func with(_ label: String, _ body: (ClusterFixture) throws -> Void) throws {
        let fixture = try ClusterFixture(label)
        defer { fixture.shutdown() }
        do {
            try body(fixture)
        } catch let failed as ExpectationFailedError {
            // A `#require` that failed is recorded above already; add only the logs.
            throw HTTPClientError("\(failed.expectation.sourceLocation): a required expectation failed (recorded above)\n\(fixture.diagnostics())")
        } catch {
            throw HTTPClientError("\(error)\n\(fixture.diagnostics())")
        }
    }

    /// What the store section of a config says: PostgreSQL at this cluster's server.
    var storeConfig: [String: Any] { ["kind": "postgres", "url": postgres.url] }

    /// A node's configuration: the mnist5k mirror as `mnist`, one BLAS thread, one job
    /// at a time, its own state folder, its name, a short lease and the shared store;
    /// `overrides` replace top-level keys and the keys in `removing` are left out.
    func config(node name: String, leaseSeconds: Int, overrides: [String: Any] = [:], removing: Set<String> = []) throws -> [String: Any] {
        var config = try Fixture.daemonConfig(stateDir: root.appendingPathComponent("state-\(name)"), mirror: mirror)
        config["node"] = name
        config["lease_seconds"] = leaseSeconds
        config["store"] = storeConfig
        config.merge(overrides) { $1 }
        for key in removing { config.removeValue(forKey: key) }
        return config
    }

    /// Starts node `name` (`gantry serve --config FILE --port 0`) with `config(node:…)`,
    /// and unless `waitUntilListening` is false waits for its "listening" line.
    @discardableResult
    func start(_ name: String, leaseSeconds: Int = 2, overrides: [String: Any] = [:], removing: Set<String> = [],
               environment: [String: String] = [:], waitUntilListening: Bool = true) throws -> Node {
        if let running = nodes.first(where: { $0.name == name }), running.isRunning {
            throw HTTPClientError("node \(name) is still running (pid \(running.pid))")
        }
        let config = try self.config(node: name, leaseSeconds: leaseSeconds, overrides: overrides, removing: removing)
        let starts = children.filter { $0.label.hasPrefix("node-\(name)") }.count
        let suffix = starts == 0 ? "" : "-\(starts + 1)"
        let file = root.appendingPathComponent("gantry-\(name)\(suffix).json")
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: file)
        let child = try Child(label: "node-\(name)\(suffix)", executable: Paths.gantry,
                              arguments: ["serve", "--config", file.path, "--port", "0"],
                              environment: environment, logDirectory: root)
        children.append(child)
        let node: Node
        if let existing = nodes.first(where: { $0.name == name }) {
            existing.child = child
            existing.port = nil
            node = existing
        } else {
            node = Node(name: name, stateDir: URL(fileURLWithPath: config["state_dir"] as! String), child: child)
            nodes.append(node)
        }
        if waitUntilListening { try self.waitUntilListening(node, timeout: 30) }
        return node
    }

    /// Waits for the node's "listening" line and records its port.
    func waitUntilListening(_ node: Node, timeout: Double) throws {
        let (_, groups) = try node.child.waitForLine(matching: #"^gantry: listening on http://(\S+):(\d+)$"#, timeout: timeout)
        node.port = Int(groups[1])!
    }

    func node(_ name: String) -> Node {
        guard let node = nodes.first(where: { $0.name == name }) else { fatalError("no node \(name) in the cluster") }
        return node
    }

    /// The nodes still running, in start order.
    var running: [Node] { nodes.filter(\.isRunning) }

    func diagnostics() -> String {
        var lines = ["--- cluster \(label): \(root.path) " + (keep ? "(kept) ---" : "(removed; set GANTRY_E2E_KEEP=1 to keep it) ---")]
        for child in children {
            lines.append("--- \(child.label) (pid \(child.pid), \(child.exitStatus.map(\.description) ?? "running")) stderr tail ---")
            lines.append(child.stderrTail(lines: 30))
        }
        lines.append("--- PostgreSQL log tail ---")
        lines.append(postgres.log.split(separator: "\n", omittingEmptySubsequences: false).suffix(15).joined(separator: "\n"))
        return lines.joined(separator: "\n")
    }

    func shutdown() {
        // SIGKILL ends a stopped (SIGSTOP) daemon too.
        for child in children where child.isRunning { child.killNow() }
        mirror.stop()
        postgres.shutdown()
        if keep {
            print("gantry e2e: kept \(root.path)")
        } else {
            try? FileManager.default.removeItem(at: root)
        }
    }
}

extension API {
    /// GET /metrics as text; throws unless 200.
    func metrics() throws -> String {
        let r = try get("/metrics")
        guard r.status == 200 else { throw HTTPClientError("GET /metrics answered \(r)") }
        return r.text
    }

    /// Every loss record of the job (no `since`, no wait).
    func losses(_ id: String) throws -> [[String: Any]] {
        let r = try get("/v1/jobs/\(id)/losses")
        guard r.status == 200, let object = r.object else { throw HTTPClientError("GET /v1/jobs/\(id)/losses answered \(r)") }
        return object["epochs"] as? [[String: Any]] ?? []
    }
}

/// One sample of a Prometheus text exposition: `name{label="value",…} value`.
struct MetricSample {
    var name: String
    var labels: [String: String]
    var value: String

    /// Every sample line of `text` (comments skipped), label values unescaped.
    static func parse(_ text: String) -> [MetricSample] {
        var samples: [MetricSample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            let chars = Array(line)
            var i = 0
            var name = ""
            while i < chars.count, chars[i] != "{", chars[i] != " " { name.append(chars[i]); i += 1 }
            var labels: [String: String] = [:]
            if i < chars.count, chars[i] == "{" {
                i += 1
                while i < chars.count, chars[i] != "}" {
                    var key = ""
                    while i < chars.count, chars[i] != "=" { if chars[i] != "," && chars[i] != " " { key.append(chars[i]) }; i += 1 }
                    i += 2  // `="`
                    var value = ""
                    while i < chars.count, chars[i] != "\"" {
                        if chars[i] == "\\", i + 1 < chars.count {
                            i += 1
                            value.append(chars[i] == "n" ? "\n" : chars[i])
                        } else {
                            value.append(chars[i])
                        }
                        i += 1
                    }
                    i += 1  // the closing quote
                    labels[key] = value
                }
                i += 1  // `}`
            }
            let value = String(chars[min(i, chars.count)...]).trimmingCharacters(in: .whitespaces)
            samples.append(MetricSample(name: name, labels: labels, value: value.split(separator: " ").first.map(String.init) ?? value))
        }
        return samples
    }
}

extension API {
    /// The jobs `/metrics` says this node trains now: `gantry_job_running{job=…,node=…} 1`, as (job, node).
    func runningJobs() throws -> [(job: String, node: String)] {
        MetricSample.parse(try metrics()).filter { $0.name == "gantry_job_running" && $0.value == "1" }
            .map { ($0.labels["job"] ?? "", $0.labels["node"] ?? "") }
    }
}

extension Job {
    /// The node that holds, or last held, the job's lease; nil before any claimed it.
    var node: String? { object["node"] as? String }
}
