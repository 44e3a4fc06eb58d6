import Foundation
import GantryTestSupport

/// Where things are, found from this file so they hold in any checkout: the
/// repository and its own test data in `fixtures/`.
enum Paths {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let repository = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
    static let mnist5k = repository.appendingPathComponent("fixtures/mnist5k").standardizedFileURL

    static var gantry: String { TestPaths.gantry }

    /// A fresh empty folder (short path, under /tmp).
    static func temporaryDirectory(_ label: String) -> URL { TestPaths.temporaryDirectory("e2e-\(label)") }
}

/// The four mnist5k files with their sizes and SHA-256 (from its SHA256SUMS), as
/// a config `datasets` entry whose mirror is `baseURL`.
enum MNIST5k {
    static let fileNames = [
        "train_images": "train-images-idx3-ubyte.gz", "train_labels": "train-labels-idx1-ubyte.gz",
        "test_images": "t10k-images-idx3-ubyte.gz", "test_labels": "t10k-labels-idx1-ubyte.gz",
    ]

    static func datasetEntry(baseURL: String) throws -> [String: Any] {
        let sumsText = try String(contentsOf: Paths.mnist5k.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
        var sums: [String: String] = [:]
        for line in sumsText.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count == 2 { sums[String(fields[1]).trimmingCharacters(in: CharacterSet(charactersIn: "*"))] = String(fields[0]) }
        }
        var files: [String: Any] = [:]
        for (key, name) in fileNames {
            let path = Paths.mnist5k.appendingPathComponent(name).path
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard let size = attributes[.size] as? NSNumber, let sha = sums[name] else {
                throw HTTPClientError("mnist5k: no size or checksum for \(name) in \(Paths.mnist5k.path)")
            }
            files[key] = ["name": name, "sha256": sha, "size": size.intValue]
        }
        return ["base_urls": [baseURL], "files": files]
    }
}
