import Foundation

/// The datasets named in the config, each fetched once into
/// `state_dir/datasets/NAME` and verified, then decoded on demand.
///
/// Safe to share between threads: concurrent calls for one dataset cause a
/// single download, which the others wait for.
public final class DatasetCache: Sendable {
    public let stateDirectory: String
    public let datasets: [String: DatasetSpec]
    public let downloader: Downloader
    private let flights = SingleFlight<String, Downloader.Report, DownloadEvent>()

    public init(stateDirectory: String, datasets: [String: DatasetSpec] = DatasetSpec.defaults, downloader: Downloader = Downloader()) {
        self.stateDirectory = stateDirectory
        self.datasets = datasets
        self.downloader = downloader
    }

    /// Where dataset `name` lives (whether or not it has been fetched).
    public func directory(for name: String) -> String {
        ((stateDirectory as NSString).appendingPathComponent("datasets") as NSString).appendingPathComponent(name)
    }

    /// Fetches whatever of dataset `name` is missing or damaged; files already
    /// present and verified are not transferred again.
    @discardableResult
    public func prepare(_ name: String, events: @escaping @Sendable (DownloadEvent) -> Void = { _ in }) throws -> Downloader.Report {
        try prepare(name, spec: try spec(named: name), events: events)
    }

    /// Copies dataset `name`'s files from the local folder `folder` into the cache,
    /// with the same size and SHA-256 checks as a download, for a machine that cannot
    /// reach the mirrors. Files already cached and verified are kept. The folder must
    /// hold every file under its configured name; missing ones are named at once.
    @discardableResult
    public func importFiles(_ name: String, from folder: String,
                            events: @escaping @Sendable (DownloadEvent) -> Void = { _ in }) throws -> Downloader.Report {
        var spec = try spec(named: name)
        let absolute = URL(fileURLWithPath: folder).standardizedFileURL.path
        guard FileStatus.isDirectory(absolute) else { throw DatasetImportError(folder: absolute, missing: [], notAFolder: true) }
        let cached = directory(for: name)
        let missing = spec.files.all.map(\.name).filter { file in
            !FileStatus.isRegularFile((absolute as NSString).appendingPathComponent(file))
                && !FileStatus.isRegularFile((cached as NSString).appendingPathComponent(file))
        }
        guard missing.isEmpty else { throw DatasetImportError(folder: absolute, missing: missing, notAFolder: false) }
        spec.baseURLs = [URL(fileURLWithPath: absolute, isDirectory: true).absoluteString]
        return try prepare(name, spec: spec, events: events)
    }

    private func prepare(_ name: String, spec: DatasetSpec,
                         events: @escaping @Sendable (DownloadEvent) -> Void) throws -> Downloader.Report {
        // Checked before the folder exists, so a bad entry leaves no trace.
        try spec.validate(name: name)
        let directory = directory(for: name)
        return try flights.run(name, observer: events) { broadcast in
            try CacheFiles.makeDirectory(directory)
            let lock = try DirectoryLock(directory: directory)
            return try withExtendedLifetime(lock) {
                try downloader.fetch(spec, named: name, into: directory, events: broadcast)
            }
        }
    }

    /// Fetches dataset `name` if needed and decodes one split.
    public func load(_ name: String, split: MNISTFolder.Split = .train,
                     events: @escaping @Sendable (DownloadEvent) -> Void = { _ in }) throws -> LabeledImages {
        let spec = try spec(named: name)
        let report = try prepare(name, events: events)
        let images = (report.directory as NSString).appendingPathComponent(spec.files.images(for: split).name)
        let labels = (report.directory as NSString).appendingPathComponent(spec.files.labels(for: split).name)
        return try LabeledImages.load(imagesAt: images, labelsAt: labels)
    }

    /// Callers currently waiting on a download of `name` started by another; for tests.
    func waiters(for name: String) -> Int { flights.waiters(for: name) }

    private func spec(named name: String) throws -> DatasetSpec {
        guard let spec = datasets[name] else {
            let known = datasets.keys.sorted().joined(separator: ", ")
            throw DatasetConfigError(problems: ["no dataset named \"\(name)\" is configured (configured: \(known.isEmpty ? "none" : known))"])
        }
        return spec
    }
}
