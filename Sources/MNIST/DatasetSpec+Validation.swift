import Foundation

extension DatasetSpec {
    /// Schemes a mirror may use. Anything else (ftp, gopher, scp, …) is
    /// refused when the config is checked, before any transfer; libcurl is
    /// also told the same list, as a second fence.
    public static let allowedSchemes: Set<String> = ["http", "https", "file"]
    /// Largest file a config may pin: far above any MNIST-format file, low
    /// enough that a typo cannot ask for terabytes.
    public static let maxFileSize = 4 * 1024 * 1024 * 1024

    /// Every problem with this entry, as sentences; empty when it is usable.
    public func problems(name: String) -> [String] {
        var problems: [String] = []
        if !Self.isSafeName(name) {
            problems.append("dataset name \"\(name)\" must be letters, digits, '.', '_' or '-' (it names a folder)")
        }
        for url in baseURLs {
            if let problem = Self.problem(withBaseURL: url) { problems.append("dataset \(name): \(problem)") }
        }
        if let images, !(1...10_000_000).contains(images) {
            problems.append("dataset \(name): images must be between 1 and 10000000")
        }
        var seen: Set<String> = []
        for file in files.all {
            if !seen.insert(file.name).inserted {
                problems.append("dataset \(name) lists the file \(file.name) twice")
            }
            problems += file.problems.map { "dataset \(name), file \(file.name): \($0)" }
        }
        return problems
    }

    /// Throws `DatasetConfigError` listing every problem, if there are any.
    public func validate(name: String) throws {
        let problems = problems(name: name)
        if !problems.isEmpty { throw DatasetConfigError(problems: problems) }
    }

    static func problem(withBaseURL url: String) -> String? {
        guard let scheme = Self.scheme(of: url) else {
            return "base URL \"\(url)\" has no scheme; use http://, https:// or file://"
        }
        guard allowedSchemes.contains(scheme) else {
            return "base URL \"\(url)\" uses \(scheme)://; only http, https and file are allowed"
        }
        guard let parsed = URL(string: url) else { return "base URL \"\(url)\" is not a valid URL" }
        if scheme != "file" && (parsed.host ?? "").isEmpty {
            return "base URL \"\(url)\" has no host"
        }
        return nil
    }

    static func scheme(of url: String) -> String? {
        guard let colon = url.firstIndex(of: ":") else { return nil }
        let scheme = url[..<colon]
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return nil }
        return scheme.lowercased()
    }

    /// Names become paths under the cache folder, so they are kept to a
    /// character set that cannot climb out of it or hide a file.
    static func isSafeName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 128, !name.hasPrefix(".") else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    /// The URL of `file` under `baseURL`, adding the `/` a base URL may lack.
    static func url(of file: DatasetFile, under baseURL: String) -> String {
        baseURL.hasSuffix("/") ? baseURL + file.name : baseURL + "/" + file.name
    }
}

extension DatasetFile {
    var problems: [String] {
        var problems: [String] = []
        if !DatasetSpec.isSafeName(name) {
            problems.append("the name must be letters, digits, '.', '_' or '-' and not start with '.'")
        }
        if name.hasSuffix(".part") {
            problems.append("the name must not end in .part, which marks unfinished downloads")
        }
        if normalizedSHA256 == nil {
            problems.append("sha256 must be 64 hexadecimal digits (got \"\(sha256)\")")
        }
        if size <= 0 || size > DatasetSpec.maxFileSize {
            problems.append("size must be between 1 and \(DatasetSpec.maxFileSize) bytes (got \(size))")
        }
        return problems
    }

    /// The checksum in lower case, or nil when it is not 64 hex digits.
    var normalizedSHA256: String? {
        let lower = sha256.lowercased()
        guard lower.count == 64, lower.allSatisfy({ $0.isHexDigit }) else { return nil }
        return lower
    }
}

/// A dataset entry in the config that cannot be used, with every reason.
public struct DatasetConfigError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public let problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String {
        problems.count == 1
            ? "invalid dataset config: \(problems[0])."
            : "invalid dataset config:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }

    public var errorDescription: String? { description }
}
