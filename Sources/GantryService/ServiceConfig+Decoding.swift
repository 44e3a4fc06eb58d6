import HTTPServer
import Linalg
import MNIST

/// The config file's form: every key optional over the defaults, snake_case, unknown
/// keys refused. Read through `JSONValueDecoder`, as job requests are. Every key is
/// read over the defaults in `userInfo[.serviceDefaults]` (else the built-in ones), and
/// an absent or `null` key keeps its default.
extension ServiceConfig: Decodable {
    public init(from decoder: any Decoder) throws {
        self = decoder.userInfo[.serviceDefaults] as? ServiceConfig ?? ServiceConfig()
        let c = try decoder.container(keyedBy: ConfigKey.self)
        try c.rejectUnknownKeys(Self.keys)
        listen = try c.decodeIfPresent(Listen.self, snake: "listen") ?? listen
        stateDirectory = try c.decodeIfPresent(String.self, snake: "state_dir") ?? stateDirectory
        authTokenFile = try c.decodeIfPresent(String.self, snake: "auth_token_file") ?? authTokenFile
        allowedHosts = try c.decodeIfPresent([String].self, snake: "allowed_hosts") ?? allowedHosts
        maxQueuedJobs = try c.decodeIfPresent(Int.self, snake: "max_queued_jobs") ?? maxQueuedJobs
        concurrentJobs = try c.decodeIfPresent(Int.self, snake: "concurrent_jobs") ?? concurrentJobs
        lanes = try c.decodeIfPresent(LaneCountSetting.self, snake: "blas_threads") ?? lanes
        if let name = try c.decodeIfPresent(String.self, snake: "blas_core") {
            guard let setting = BLASCoreChoice.Setting(name) else {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [ConfigKey("blas_core")],
                                                        debugDescription: "\(name) is neither \(BLASCoreChoice.Setting.help)"))
            }
            blasCore = setting
        }
        memoryBudgetBytes = try c.decodeIfPresent(Int.self, snake: "memory_budget_bytes") ?? memoryBudgetBytes
        diskBudgetBytes = try c.decodeIfPresent(Int.self, snake: "disk_budget_bytes") ?? diskBudgetBytes
        downloadBufferBytes = try c.decodeIfPresent(Int.self, snake: "download_buffer_bytes") ?? downloadBufferBytes
        limits = try c.decodeIfPresent(LimitsSection.self, snake: "limits")?.limits ?? limits
        download = try c.decodeIfPresent(DownloadOptions.self, snake: "download") ?? download
        datasets = try c.decodeIfPresent([String: DatasetSpec].self, snake: "datasets") ?? datasets
        if let section = try c.decodeIfPresent(StoreSection.self, snake: "store") {
            // A postgres store without a URL takes it from GANTRY_STORE_URL; validate() checks it came.
            store = section.kind == "postgres" ? .postgres(url: section.url ?? "") : .sqlite
        }
        node = try c.decodeIfPresent(String.self, snake: "node") ?? node
        leaseSeconds = try c.decodeIfPresent(Double.self, snake: "lease_seconds") ?? leaseSeconds
        retainFinishedJobs = try c.decodeIfPresent(Int.self, snake: "retain_finished_jobs") ?? retainFinishedJobs
    }
}

extension CodingUserInfoKey {
    /// The `ServiceConfig` a config file is read over.
    static let serviceDefaults = CodingUserInfoKey(rawValue: "gantry.serviceDefaults")!
}

extension ServiceConfig.Listen: Decodable {
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: ConfigKey.self)
        try c.rejectUnknownKeys(["host", "port"])
        host = try c.decodeIfPresent(String.self, snake: "host") ?? host
        port = try c.decodeIfPresent(UInt16.self, snake: "port") ?? port
    }
}

/// `limits`: snake_case in the file like every other key, onto the server's own type
/// (whose keys are its camelCase names; the decoder converts them).
private struct LimitsSection: Decodable {
    static let keys = ["max_request_line_bytes", "max_header_bytes", "max_header_count", "max_body_bytes", "max_connections",
                       "head_timeout_seconds", "idle_timeout_seconds", "body_timeout_seconds", "write_timeout_seconds",
                       "max_output_buffer_bytes", "linger_seconds"]
    let limits: HTTPServer.Limits

    init(from decoder: any Decoder) throws {
        try decoder.container(keyedBy: ConfigKey.self).rejectUnknownKeys(Self.keys)
        limits = try HTTPServer.Limits(from: decoder)
    }
}
