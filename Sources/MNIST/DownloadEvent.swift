/// What the downloader is doing, for a progress bar, a log, or a job's
/// "downloading 43%". Delivered on the downloading thread.
public enum DownloadEvent: Sendable, Equatable {
    /// The file was already in the cache with the right size and checksum.
    case verified(file: String)
    /// A transfer starts; `resumingAt` is the byte it continues from (0 for a fresh start).
    case started(file: String, url: String, attempt: Int, resumingAt: Int)
    case progress(DownloadProgress)
    /// A try failed; the next one (same mirror after `delaySeconds`, or the next mirror) follows.
    case failed(file: String, url: String, problem: String)
    case retrying(file: String, url: String, delaySeconds: Double)
    /// The file is verified and in the cache.
    case downloaded(file: String, url: String)
}

/// Bytes in hand for one file and for the whole dataset. Totals come from the
/// config, so they are known before the first byte arrives.
public struct DownloadProgress: Sendable, Equatable {
    public var file: String
    public var fileBytes: Int
    public var fileSize: Int
    /// Includes files already in the cache, so the fraction only grows.
    public var datasetBytes: Int
    public var datasetSize: Int

    public init(file: String, fileBytes: Int, fileSize: Int, datasetBytes: Int, datasetSize: Int) {
        self.file = file
        self.fileBytes = fileBytes
        self.fileSize = fileSize
        self.datasetBytes = datasetBytes
        self.datasetSize = datasetSize
    }

    /// Share of the dataset done, in [0, 1].
    public var fraction: Double { datasetSize > 0 ? min(1, Double(datasetBytes) / Double(datasetSize)) : 1 }
}
