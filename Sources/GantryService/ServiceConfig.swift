import Foundation
import HTTPServer
import Linalg
import MNIST

/// The daemon's configuration: `config/gantry.json`, then `GANTRY_*` environment
/// variables, then flags. Every key has a default; unknown keys are refused so a
/// typo is an error, not a silently ignored setting.
public struct ServiceConfig: Sendable, Equatable {
    public struct Listen: Sendable, Equatable {
        public var host = "127.0.0.1"
        public var port: UInt16 = 8080
        public init() {}
    }

    public var listen = Listen()
    /// Holds `gantry.sqlite`, `jobs/ID/` and `datasets/NAME/`. Relative paths are
    /// taken from the working directory; under systemd `$STATE_DIRECTORY` is the default.
    public var stateDirectory = "state"
    /// A file holding the bearer token every `/v1` request must present. `nil`: no auth.
    public var authTokenFile: String?
    /// Names besides the listen address and loopback that a request's `Host` may give
    /// (a DNS name or address the daemon is reached by).
    public var allowedHosts: [String] = []
    public var maxQueuedJobs = 64
    /// Jobs that train at once. One job owns OpenBLAS's threads at a time, so 1 is the default.
    public var concurrentJobs = 1
    /// Lanes a training step is split across. `auto` by default: it times steps on one
    /// lane and on one per core and keeps the faster, so a loaded API or a busy host
    /// takes it back to one (measured: 0.84–0.88 s an epoch alone, 1.30 s under API
    /// load, against 1.34 s either way with 1). Lane counts do not change results.
    public var lanes = LaneCountSetting.auto
    /// OpenBLAS's kernels: `auto` puts a CPU that OpenBLAS does not recognise on the
    /// best kernels it runs (a user's `OPENBLAS_CORETYPE` wins over `auto`); a core's
    /// name forces that core.
    public var blasCore = BLASCoreChoice.Setting.auto
    /// A job whose estimated training memory exceeds this is refused before it is queued.
    public var memoryBudgetBytes = 2 << 30
    /// A job whose disk estimate (every epoch's samples and loss record, and its checkpoints
    /// at their largest) exceeds this is refused before it is queued. Besides it, a job
    /// is admitted only if the estimate fits the state folder's free space.
    public var diskBudgetBytes = 1 << 30
    /// The most memory the checkpoint downloads being sent may hold (every download of
    /// one epoch shares a copy); nil: a quarter of `memoryBudgetBytes`, at least 64 MiB.
    public var downloadBufferBytes: Int?
    /// What `downloadBufferBytes` resolves to.
    public var effectiveDownloadBufferBytes: Int { downloadBufferBytes ?? max(64 << 20, memoryBudgetBytes / 4) }
    public var limits = HTTPServer.Limits()
    public var download = DownloadOptions()
    public var datasets: [String: DatasetSpec] = DatasetSpec.defaults
    /// Where jobs live: SQLite in `state_dir` (one daemon), or a PostgreSQL database
    /// that several daemons share (docs/cluster.md).
    public var store = StoreSetting.sqlite
    /// This daemon's name in a cluster; by default `HOSTNAME:PORT`. Names must differ
    /// between nodes: a node that starts takes back the leases its name holds.
    public var node: String?
    /// How long a node's claim on a job lasts without renewal (renewed every third of
    /// it): how soon another node resumes the jobs of one that died.
    public var leaseSeconds = 15.0
    /// How many finished jobs (completed, failed, cancelled) to keep, the ones that
    /// finished last; older ones are deleted with their files. `nil`: keep them all.
    public var retainFinishedJobs: Int?

    public init() {}

    static let keys = ["listen", "state_dir", "auth_token_file", "max_queued_jobs", "concurrent_jobs",
                       "blas_threads", "blas_core", "memory_budget_bytes", "disk_budget_bytes", "download_buffer_bytes", "limits", "download", "datasets",
                       "store", "node", "lease_seconds", "allowed_hosts", "retain_finished_jobs"]

    /// `node`, or the host's name and the listening port.
    public var nodeName: String { node ?? "\(ProcessInfo.processInfo.hostName):\(listen.port)" }

    /// Checks ranges; the error names the key.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ message: String) throws {
            if !ok { throw ConfigError(key: key, message: message) }
        }
        try check(!listen.host.isEmpty, "listen.host", "must not be empty")
        try check(!stateDirectory.isEmpty, "state_dir", "must not be empty")
        try check((0...100_000).contains(maxQueuedJobs), "max_queued_jobs", "must be between 0 and 100000")
        try check((1...64).contains(concurrentJobs), "concurrent_jobs", "must be between 1 and 64")
        if case .fixed(let n) = lanes {
            try check(LaneCountSetting.range.contains(n), "blas_threads", "must be \"auto\" or between 1 and 64")
        }
        try check(memoryBudgetBytes >= 1 << 20, "memory_budget_bytes", "must be at least 1 MiB")
        try check(diskBudgetBytes >= 1 << 20, "disk_budget_bytes", "must be at least 1 MiB")
        try check((downloadBufferBytes ?? 1) >= 1, "download_buffer_bytes", "must be at least 1 (one download is always sent, whatever its size)")
        if let problem = limits.validationErrors().first { throw ConfigError(key: "limits", message: problem) }
        for (name, spec) in datasets.sorted(by: { $0.key < $1.key }) {
            // Checked at start, so a bad mirror or checksum is not first met by a job's download.
            if let problem = spec.problems(name: name).first { throw ConfigError(key: "datasets.\(name)", message: problem) }
        }
        if let problem = download.problems.first { throw ConfigError(key: "download", message: problem) }
        if case .postgres(let url) = store {
            try check(!url.isEmpty, "store.url", "kind \"postgres\" needs a URL, in the file or in GANTRY_STORE_URL")
            try check(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), "store.url",
                      "must be a postgres:// or postgresql:// URL")
        }
        if let node { try check((1...128).contains(node.utf8.count), "node", "must be 1 to 128 characters") }
        try check((1...600).contains(leaseSeconds), "lease_seconds", "must be between 1 and 600")
        if let retainFinishedJobs {
            try check((1...1_000_000).contains(retainFinishedJobs), "retain_finished_jobs",
                      "must be between 1 and 1000000, or null to keep every finished job")
        }
    }
}

public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String?
    public var key: String
    public var message: String

    public init(file: String? = nil, key: String, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = file.map { "\($0): " } ?? ""
        return key.isEmpty ? "\(place)\(message)" : "\(place)\(key): \(message)"
    }
}
