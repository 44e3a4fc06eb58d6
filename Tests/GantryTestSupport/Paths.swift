import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the test targets that run `gantry` as a child share: where the binary
/// is and where to put scratch folders.
public enum TestPaths {
    /// The `gantry` executable `swift test` built next to the test bundle:
    /// `$GANTRY_E2E_BINARY` when set, else beside the running test executable
    /// (`/proc/self/exe` on Linux, where the bundle is a plain executable), else
    /// beside `Bundle.main`.
    public static let gantry: String = {
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

    /// A fresh empty folder `/tmp/gantry-NAME-XXXXXX`. Always under `/tmp`, not
    /// `$TMPDIR`, to keep paths short: AF_UNIX socket paths are limited to 107 bytes.
    public static func temporaryDirectory(_ name: String) -> URL {
        var template = Array("/tmp/gantry-\(name)-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        return URL(fileURLWithPath: path)
    }
}
