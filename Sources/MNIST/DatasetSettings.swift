import Foundation

/// The dataset part of the daemon's config file: where the cache lives,
/// which datasets exist and how patiently to fetch them. Other keys of the
/// file (`listen`, `limits`, …) are the daemon's and are skipped here.
///
/// Every key is optional: without `datasets` the built-in `mnist` and
/// `fashion-mnist` entries apply; with it, exactly the listed datasets exist,
/// so a job can never name a URL the config does not.
public struct DatasetSettings: Sendable, Equatable, Decodable {
    /// `state_dir`; nil when the file leaves it to the environment.
    public var stateDirectory: String?
    public var datasets: [String: DatasetSpec]
    public var download: DownloadOptions

    public init(stateDirectory: String? = nil, datasets: [String: DatasetSpec] = DatasetSpec.defaults,
                download: DownloadOptions = DownloadOptions()) {
        self.stateDirectory = stateDirectory
        self.datasets = datasets
        self.download = download
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ConfigKey.self)
        stateDirectory = try c.decodeIfPresent(String.self, snake: "state_dir")
        datasets = try c.decodeIfPresent([String: DatasetSpec].self, snake: "datasets") ?? DatasetSpec.defaults
        download = try c.decodeIfPresent(DownloadOptions.self, snake: "download") ?? DownloadOptions()
    }

    /// Reads `path`, or returns the defaults when `path` is nil. Every
    /// dataset entry and the download options are validated, so a bad
    /// config fails at startup rather than at a job's first download.
    public static func load(configFile path: String?) throws -> DatasetSettings {
        guard let path else { return DatasetSettings() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetConfigError(problems: ["cannot read the config file \(path)"])
        }
        let settings: DatasetSettings
        do {
            settings = try JSONDecoder().decode(DatasetSettings.self, from: data)
        } catch let error as DecodingError {
            throw DatasetConfigError(problems: ["\(path): \(DecodingErrorText.describe(error))"])
        }
        try settings.validate()
        return settings
    }

    public func validate() throws {
        var problems = download.problems.map { "download: \($0)" }
        for name in datasets.keys.sorted() {
            problems += datasets[name]!.problems(name: name)
        }
        if !problems.isEmpty { throw DatasetConfigError(problems: problems) }
    }
}

/// DecodingError's own description is a debug dump; this is a sentence with the key path.
enum DecodingErrorText {
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \"\(key.stringValue)\" at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON (\(context.debugDescription))" : "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
