/// How patiently the downloader treats a mirror. JSON: the `download` object
/// of the config, snake_case keys, each optional.
public struct DownloadOptions: Sendable, Equatable, Codable {
    /// Giving up on a TCP (and TLS) handshake.
    public var connectTimeoutSeconds: Double = 15
    /// A transfer slower than this many bytes per second …
    public var lowSpeedLimitBytesPerSecond: Int = 1024
    /// … for this many seconds in a row is aborted (and retried).
    public var lowSpeedTimeSeconds: Int = 30
    /// Tries at one mirror before moving to the next; a transient failure
    /// (timeout, reset, 5xx) is retried, a definite one (404, bad checksum) is not.
    public var attemptsPerMirror: Int = 3
    /// Wait before the second try at a mirror; doubled for each later try,
    /// capped at `retryMaxDelaySeconds`, and jittered so many clients do not retry in step.
    public var retryBaseDelaySeconds: Double = 1
    public var retryMaxDelaySeconds: Double = 30

    /// Redirects followed per transfer. Fixed: a mirror that needs more is broken.
    public static let maxRedirects = 5

    public init(connectTimeoutSeconds: Double = 15, lowSpeedLimitBytesPerSecond: Int = 1024, lowSpeedTimeSeconds: Int = 30,
                attemptsPerMirror: Int = 3, retryBaseDelaySeconds: Double = 1, retryMaxDelaySeconds: Double = 30) {
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.lowSpeedLimitBytesPerSecond = lowSpeedLimitBytesPerSecond
        self.lowSpeedTimeSeconds = lowSpeedTimeSeconds
        self.attemptsPerMirror = attemptsPerMirror
        self.retryBaseDelaySeconds = retryBaseDelaySeconds
        self.retryMaxDelaySeconds = retryMaxDelaySeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case connectTimeoutSeconds = "connect_timeout_seconds"
        case lowSpeedLimitBytesPerSecond = "low_speed_limit_bytes_per_second"
        case lowSpeedTimeSeconds = "low_speed_time_seconds"
        case attemptsPerMirror = "attempts_per_mirror"
        case retryBaseDelaySeconds = "retry_base_delay_seconds"
        case retryMaxDelaySeconds = "retry_max_delay_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ConfigKey.self)
        try c.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let d = DownloadOptions()
        connectTimeoutSeconds = try c.decodeIfPresent(Double.self, snake: CodingKeys.connectTimeoutSeconds.rawValue) ?? d.connectTimeoutSeconds
        lowSpeedLimitBytesPerSecond = try c.decodeIfPresent(Int.self, snake: CodingKeys.lowSpeedLimitBytesPerSecond.rawValue) ?? d.lowSpeedLimitBytesPerSecond
        lowSpeedTimeSeconds = try c.decodeIfPresent(Int.self, snake: CodingKeys.lowSpeedTimeSeconds.rawValue) ?? d.lowSpeedTimeSeconds
        attemptsPerMirror = try c.decodeIfPresent(Int.self, snake: CodingKeys.attemptsPerMirror.rawValue) ?? d.attemptsPerMirror
        retryBaseDelaySeconds = try c.decodeIfPresent(Double.self, snake: CodingKeys.retryBaseDelaySeconds.rawValue) ?? d.retryBaseDelaySeconds
        retryMaxDelaySeconds = try c.decodeIfPresent(Double.self, snake: CodingKeys.retryMaxDelaySeconds.rawValue) ?? d.retryMaxDelaySeconds
    }

    /// Every unusable setting, as sentences; empty when all are usable.
    public var problems: [String] {
        var problems: [String] = []
        if !(connectTimeoutSeconds > 0 && connectTimeoutSeconds <= 600) {
            problems.append("connect_timeout_seconds must be in (0, 600] (got \(connectTimeoutSeconds))")
        }
        if lowSpeedLimitBytesPerSecond < 1 { problems.append("low_speed_limit_bytes_per_second must be at least 1 (got \(lowSpeedLimitBytesPerSecond))") }
        if lowSpeedTimeSeconds < 1 { problems.append("low_speed_time_seconds must be at least 1 (got \(lowSpeedTimeSeconds))") }
        if !(1...20).contains(attemptsPerMirror) { problems.append("attempts_per_mirror must be between 1 and 20 (got \(attemptsPerMirror))") }
        if !(retryBaseDelaySeconds >= 0 && retryBaseDelaySeconds <= 600) {
            problems.append("retry_base_delay_seconds must be between 0 and 600 (got \(retryBaseDelaySeconds))")
        }
        if !(retryMaxDelaySeconds >= retryBaseDelaySeconds && retryMaxDelaySeconds <= 3600) {
            problems.append("retry_max_delay_seconds must be between retry_base_delay_seconds and 3600 (got \(retryMaxDelaySeconds))")
        }
        return problems
    }

    /// How long to wait before try number `attempt + 1` (attempt counts from 1):
    /// exponential, capped, with jitter in [50%, 100%] of the step.
    func retryDelay(afterAttempt attempt: Int) -> Double {
        let exponential = retryBaseDelaySeconds * Double(1 << min(attempt - 1, 30))
        return min(exponential, retryMaxDelaySeconds) * Double.random(in: 0.5...1.0)
    }
}
