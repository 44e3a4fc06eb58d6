import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where things are. The repository is found from this file; `shared/` sits
/// beside it (CI clones the repository next to a copy of `shared/`).
enum Paths {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let repository = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
    static let mnist5k = repository.appendingPathComponent("../shared/data/mnist5k").standardizedFileURL

    /// The `gantry` executable `swift test` built next to the test bundle:
    /// `$GANTRY_E2E_BINARY` when set, else beside the running test executable
    /// (`/proc/self/exe` on Linux, where the bundle is a plain executable), else
    /// beside `Bundle.main`.
    static let gantry: String = {
        if let explicit = ProcessInfo.processInfo.environment["GANTRY_E2E_BINARY"], !explicit.isEmpty { return explicit }
        var candidates: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        for folder in candidates {
            // On macOS the bundle is `….xctest/Contents/MacOS/…`: walk up to the build folder.
            var dir = folder
            for _ in 0..<4 {
                let path = dir.appendingPathComponent("gantry").path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                   FileManager.default.isExecutableFile(atPath: path) {
                    return path
                }
                dir = dir.deletingLastPathComponent()
            }
        }
        return candidates.first?.appendingPathComponent("gantry").path ?? "gantry"
    }()

    /// A fresh empty folder under the system temporary folder.
    static func temporaryDirectory(_ label: String) -> URL {
        let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("gantry-e2e-\(label)-XXXXXX")
        var template = Array(base.utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        return URL(fileURLWithPath: path)
    }
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
