import Foundation

/// A file that no mirror could deliver, with every try and what went wrong
/// there, so a person can see whether to fix the config, the network or a mirror.
public struct DownloadError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public struct Attempt: Sendable, Equatable {
        public let url: String
        public let problem: String
    }

    public let file: String
    public let size: Int
    public let sha256: String
    public let attempts: [Attempt]
    /// Set when the failure was local (the cache folder), not a mirror's.
    public let localProblem: String?
    /// The configured dataset the file belongs to, when known: it names the way out
    /// for a machine that cannot reach any mirror.
    public internal(set) var dataset: String?

    init(file: DatasetFile, attempts: [Attempt], localProblem: String? = nil) {
        self.file = file.name
        self.size = file.size
        self.sha256 = file.sha256
        self.attempts = attempts
        self.localProblem = localProblem
    }

    public var description: String {
        let noMirror = attempts.isEmpty && localProblem == nil
        var lines = ["could not download \(file) (\(size) bytes, sha256 \(sha256))"
                     + (localProblem.map { ": \($0)" } ?? (noMirror ? ": the dataset has no mirror (its base_urls are empty)" : " from any mirror"))
                     + (attempts.isEmpty ? "." : "; tried:")]
        lines += attempts.map { "  - \($0.url): \($0.problem)" }
        if localProblem == nil, let dataset, noMirror || attempts.contains(where: { !$0.url.hasPrefix("file:") }) {
            lines.append((noMirror ? "Import its files from a folder: " : "If this machine cannot reach the mirrors, copy the dataset's files onto it and import them: ")
                         + "gantry download \(dataset) --from FOLDER")
        }
        return lines.joined(separator: "\n")
    }

    public var errorDescription: String? { description }

    /// Every URL tried, in order, without repeats.
    public var urls: [String] {
        var seen: Set<String> = []
        return attempts.map(\.url).filter { seen.insert($0).inserted }
    }
}
