import Foundation

/// Runs a reference computation in python3 (numpy, scipy: scripts/setup installs them)
/// on files a test writes into a scratch folder, and hands back what it printed: the
/// independent side of a numerics test, kept out of the product.
public struct PythonReference {
    public let folder: URL
    /// The interpreter: the system's python3, or a virtual environment's.
    public let python: String

    /// The virtual environment scripts/setup makes for the export tests (onnx,
    /// onnxruntime, safetensors and numpy from PyPI).
    public static let exportPython = (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"]
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache").path) + "/gantry/python-export/bin/python"

    public init(_ label: String, python: String = "python3") throws {
        self.python = python
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-\(label)-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Writes `values` one per line as `name`.txt, for `np.loadtxt(folder + "/name.txt")`.
    public func write(_ name: String, _ values: [Float]) throws {
        try values.map { String(format: "%.9e", $0) }.joined(separator: "\n")
            .write(to: folder.appendingPathComponent(name + ".txt"), atomically: true, encoding: .utf8)
    }

    /// Writes `bytes` as the file `name`, as it is.
    public func write(file name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: folder.appendingPathComponent(name))
    }

    /// Writes `text` as `name`.txt as it is.
    public func write(_ name: String, text: String) throws {
        try text.write(to: folder.appendingPathComponent(name + ".txt"), atomically: true, encoding: .utf8)
    }

    /// `python3 -c script folder`: its exit status and standard output.
    public func run(_ script: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script, folder.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// The printed values, split on white space.
    public static func numbers(_ output: String) -> [Double] {
        output.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    }

    public func remove() { try? FileManager.default.removeItem(at: folder) }
}
