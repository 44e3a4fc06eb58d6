import Foundation

/// Fetches the files of a configured dataset into a folder, trying each
/// mirror in order, resuming interrupted transfers, and letting a file into
/// the folder only once its size and SHA-256 match the config.
public struct Downloader: Sendable {
    public var options: DownloadOptions

    public init(options: DownloadOptions = DownloadOptions()) {
        self.options = options
    }

    /// What happened to one file.
    public enum Outcome: Sendable, Equatable {
        /// Already present and verified; nothing was transferred.
        case verified
        /// Fetched (and verified) from this URL.
        case downloaded(url: String)
    }

    /// What happened to one file of a dataset.
    public struct FileReport: Sendable, Equatable {
        public let file: String
        public let outcome: Outcome
    }

    public struct Report: Sendable, Equatable {
        public let directory: String
        /// One entry per file, in `DatasetFiles.all` order.
        public let outcomes: [FileReport]

        /// Files that needed a transfer.
        public var downloadedFiles: [String] {
            outcomes.compactMap { if case .downloaded = $0.outcome { return $0.file } else { return nil } }
        }
    }

    /// Makes all four files of `spec` present and verified in `directory`.
    /// The spec is validated first, so a bad scheme is refused before any transfer.
    public func fetch(_ spec: DatasetSpec, named name: String, into directory: String,
                      events: @escaping @Sendable (DownloadEvent) -> Void = { _ in }) throws -> Report {
        try spec.validate(name: name)
        let optionProblems = options.problems
        if !optionProblems.isEmpty { throw DatasetConfigError(problems: optionProblems.map { "download: \($0)" }) }
        try CacheFiles.makeDirectory(directory)
        let datasetSize = spec.files.all.reduce(0) { $0 + $1.size }
        var bytesBefore = 0
        var outcomes: [FileReport] = []
        for file in spec.files.all {
            let done = bytesBefore
            let outcome: Outcome
            do {
                outcome = try fetch(file, from: spec.baseURLs, into: directory, events: events) { fileBytes in
                    DownloadProgress(file: file.name, fileBytes: fileBytes, fileSize: file.size,
                                     datasetBytes: done + fileBytes, datasetSize: datasetSize)
                }
            } catch var error as DownloadError {
                error.dataset = name
                throw error
            }
            bytesBefore += file.size
            outcomes.append(FileReport(file: file.name, outcome: outcome))
        }
        return Report(directory: directory, outcomes: outcomes)
    }

    /// Makes one file present and verified in `directory`.
    func fetch(_ file: DatasetFile, from baseURLs: [String], into directory: String,
               events: @escaping @Sendable (DownloadEvent) -> Void,
               progressOf: @escaping (Int) -> DownloadProgress) throws -> Outcome {
        let finalPath = (directory as NSString).appendingPathComponent(file.name)
        let partPath = finalPath + ".part"
        guard let expected = file.normalizedSHA256 else { throw DatasetConfigError(problems: file.problems) }

        if let size = FileStatus.regularFileSize(finalPath) {
            if size == file.size, (try? FileSHA256.hex(ofFileAt: finalPath)) == expected {
                events(.progress(progressOf(file.size)))
                events(.verified(file: file.name))
                return .verified
            }
            // A damaged cache entry is fetched again rather than trusted.
            CacheFiles.remove(finalPath)
        }

        var attempts: [DownloadError.Attempt] = []
        for baseURL in baseURLs {
            let url = DatasetSpec.url(of: file, under: baseURL)
            let mirror = MirrorAttempts(url: url, file: file, partPath: partPath, finalPath: finalPath,
                                        expectedSHA256: expected, options: options, events: events, progressOf: progressOf)
            switch try mirror.run() {
            case .delivered:
                return .downloaded(url: url)
            case .gaveUp(let tried):
                attempts += tried
            case .localFailure(let tried, let problem):
                throw DownloadError(file: file, attempts: attempts + tried, localProblem: problem)
            }
        }
        throw DownloadError(file: file, attempts: attempts)
    }
}
