import Foundation
import Testing

/// `scripts/install` into a temporary DESTDIR, with the binary `swift test` built.
@Suite("scripts/install")
struct InstallTests {
    func install(_ arguments: [String]) throws -> String {
        let (status, output) = try run("/bin/bash", [Paths.installScript.path] + arguments + ["--binary", Paths.gantry], timeout: 60)
        #expect(status == 0, "scripts/install \(arguments.joined(separator: " ")) failed (\(status)):\n\(output)")
        return output
    }

    func unitLines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Every file under `root` with its contents and permission bits.
    func snapshot(_ root: URL) throws -> [String: (Data, Int)] {
        var files: [String: (Data, Int)] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: root.path))
        while let relative = enumerator.nextObject() as? String {
            let path = root.appendingPathComponent(relative).path
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            files[relative] = (try Data(contentsOf: URL(fileURLWithPath: path)), (attributes[.posixPermissions] as? Int) ?? -1)
        }
        return files
    }

    @Test("installs binary, config and unit; a second run keeps a changed config")
    func installIntoDestdir() throws {
        let dest = Paths.temporaryDirectory("install")
        defer { try? FileManager.default.removeItem(at: dest) }

        let output = try install(["--destdir", dest.path])
        #expect(output.contains("systemctl daemon-reload && systemctl enable --now gantry"), "output:\n\(output)")

        let binary = dest.appendingPathComponent("usr/local/bin/gantry")
        let config = dest.appendingPathComponent("etc/gantry/gantry.json")
        let unit = dest.appendingPathComponent("etc/systemd/system/gantry.service")
        #expect(FileManager.default.isExecutableFile(atPath: binary.path))
        #expect(try Data(contentsOf: binary) == Data(contentsOf: URL(fileURLWithPath: Paths.gantry)))
        #expect(try Data(contentsOf: config) == Data(contentsOf: Paths.defaultConfig))
        #expect(FileManager.default.fileExists(atPath: dest.appendingPathComponent("usr/local/share/gantry/gantry.json").path))

        // The unit is the repository's, with ExecStart at the installed binary
        // (its final path: DESTDIR only stages).
        let installed = try unitLines(unit)
        #expect(installed.filter { $0.hasPrefix("ExecStart=") } == ["ExecStart=/usr/local/bin/gantry serve --config /etc/gantry/gantry.json"])
        let original = try unitLines(Paths.unitFile)
        #expect(installed.count == original.count)
        for (a, b) in zip(installed, original) where !a.hasPrefix("ExecStart=") {
            #expect(a == b)
        }

        // The installed binary accepts the installed config.
        let (checkStatus, checkOutput) = try run(binary.path, ["serve", "--check-config", "--config", config.path], timeout: 30)
        #expect(checkStatus == 0, "--check-config: \(checkOutput)")
        #expect(checkOutput.contains("configuration OK"), "--check-config: \(checkOutput)")

        // An operator edits the config; re-installing keeps it and changes nothing else.
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
        json["listen"] = ["host": "127.0.0.1", "port": 9191]
        let edited = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        try edited.write(to: config)
        let before = try snapshot(dest)
        let second = try install(["--destdir", dest.path])
        #expect(second.contains("kept"), "second run:\n\(second)")
        #expect(second.contains("listen 127.0.0.1:9191"), "second run validates the kept config:\n\(second)")
        #expect(try Data(contentsOf: config) == edited)
        let after = try snapshot(dest)
        #expect(Set(before.keys) == Set(after.keys))
        for (path, (data, mode)) in before {
            #expect(after[path]?.0 == data, "\(path) changed on re-install")
            #expect(after[path]?.1 == mode, "\(path) mode changed on re-install")
        }
    }

    @Test("--prefix moves the binary and the unit's ExecStart")
    func prefix() throws {
        let dest = Paths.temporaryDirectory("install-prefix")
        defer { try? FileManager.default.removeItem(at: dest) }
        _ = try install(["--destdir", dest.path, "--prefix", "/opt/gantry"])
        #expect(FileManager.default.isExecutableFile(atPath: dest.appendingPathComponent("opt/gantry/bin/gantry").path))
        #expect(!FileManager.default.fileExists(atPath: dest.appendingPathComponent("usr/local/bin/gantry").path))
        let unit = try unitLines(dest.appendingPathComponent("etc/systemd/system/gantry.service"))
        #expect(unit.filter { $0.hasPrefix("ExecStart=") } == ["ExecStart=/opt/gantry/bin/gantry serve --config /etc/gantry/gantry.json"])
        #expect(FileManager.default.fileExists(atPath: dest.appendingPathComponent("etc/gantry/gantry.json").path))
    }

    @Test("refuses a relative prefix, a missing binary and a config that does not validate")
    func refusals() throws {
        let dest = Paths.temporaryDirectory("install-refusals")
        defer { try? FileManager.default.removeItem(at: dest) }
        let script = Paths.installScript.path
        let relative = try run("/bin/bash", [script, "--destdir", dest.path, "--prefix", "usr/local", "--binary", Paths.gantry])
        #expect(relative.status != 0 && relative.output.contains("--prefix"), "\(relative)")
        let missing = try run("/bin/bash", [script, "--destdir", dest.path, "--binary", dest.appendingPathComponent("nope").path])
        #expect(missing.status != 0 && missing.output.contains("no executable"), "\(missing)")

        let config = dest.appendingPathComponent("etc/gantry/gantry.json")
        try FileManager.default.createDirectory(at: config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(#"{"listen": {"port": "eighty"}}"#.utf8).write(to: config)
        let broken = try run("/bin/bash", [script, "--destdir", dest.path, "--binary", Paths.gantry])
        #expect(broken.status != 0 && broken.output.contains("does not validate"), "\(broken)")
        #expect(try String(contentsOf: config, encoding: .utf8) == #"{"listen": {"port": "eighty"}}"#, "a broken config is still the operator's")
    }
}
