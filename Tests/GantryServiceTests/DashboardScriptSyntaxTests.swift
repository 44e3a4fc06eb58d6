import Foundation
import GantryTestSupport
import Testing
@testable import GantryAPI

/// The dashboard's JavaScript, as the binary serves it, read by a real JavaScript
/// parser: `node --check` on each module. A module is checked under a `.mjs` name,
/// because Node reads a `.js` file with `import` in it as CommonJS and, failing that,
/// passes over a syntax error.
@Suite(.needs("node (Debian's nodejs; scripts/setup)", FileManager.default.isExecutableFile(atPath: "/usr/bin/node")))
struct DashboardScriptSyntaxTests {
    static let node = "/usr/bin/node"

    /// Node's exit status and its error output for `source` checked as an ES module.
    func check(_ source: [UInt8], named name: String) throws -> (status: Int32, errors: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-syntax-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(name.replacingOccurrences(of: ".js", with: ".mjs"))
        try Data(source).write(to: file)
        let process = Process(), errors = Pipe()
        process.executableURL = URL(fileURLWithPath: Self.node)
        process.arguments = ["--check", file.path]
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    static var scripts: [DashboardAsset] { Dashboard.assets.filter { $0.contentType.hasPrefix("text/javascript") } }

    @Test func everyServedModuleParses() throws {
        #expect(Self.scripts.count == 8, "\(Self.scripts.map(\.path))")
        for script in Self.scripts {
            let (status, errors) = try check(script.bytes, named: (script.path as NSString).lastPathComponent)
            #expect(status == 0, "\(script.path): \(errors)")
        }
    }

    /// The check can fail: each module with a stray token appended is refused, naming it.
    @Test func aBrokenModuleIsRefused() throws {
        for script in Self.scripts {
            let (status, errors) = try check(script.bytes + Array("\nfunction (\n".utf8), named: (script.path as NSString).lastPathComponent)
            #expect(status != 0 && errors.contains("SyntaxError"), "\(script.path) with a syntax error passed: \(status) \(errors)")
        }
    }
}
