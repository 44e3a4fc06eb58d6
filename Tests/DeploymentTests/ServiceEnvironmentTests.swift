import Foundation
import Testing

/// The configuration the installed service really resolves: the installed unit's
/// command run as systemd runs it (its working directory, and an environment of
/// nothing but its `Environment=`, `EnvironmentFile=` and `StateDirectory=`),
/// on the installed config.
@Suite("the service's configuration, as systemd resolves it")
struct ServiceEnvironmentTests {
    /// What systemd hands the service: the unit's settings, read from the unit file.
    struct ServiceLaunch {
        var command: [String] = []
        var workingDirectory = "/"
        var environment: [String: String] = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "HOME": "/"]

        /// `root` is where the install was staged: the files the unit names live under it.
        init(unit: URL, root: URL) throws {
            for (key, value) in try unitServiceSettings(unit) {
                switch key {
                case "ExecStart":
                    // Prefixes such as "-" and "@" change how systemd runs the command, not which.
                    command = Self.words(String(value.drop { "-@+!:".contains($0) }))
                case "WorkingDirectory":
                    workingDirectory = String(value.drop { $0 == "-" })
                case "Environment":
                    for word in Self.words(value) { assign(word) }
                case "EnvironmentFile":
                    let optional = value.hasPrefix("-")
                    let path = root.path + String(value.drop { $0 == "-" })
                    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                        if optional { continue }
                        throw DeploymentTestError("EnvironmentFile=\(value) is missing: systemd would not start the service")
                    }
                    for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) })
                    where !line.isEmpty && !line.hasPrefix("#") && !line.hasPrefix(";") {
                        assign(line)
                    }
                case "StateDirectory":
                    // systemd creates /var/lib/NAME for each name and passes them all, colon-separated.
                    let names = value.split(separator: " ").map { "/var/lib/\($0)" }
                    environment["STATE_DIRECTORY"] = names.isEmpty ? nil : names.joined(separator: ":")
                default: continue
                }
            }
        }

        private mutating func assign(_ word: String) {
            guard let equals = word.firstIndex(of: "=") else { return }
            environment[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }

        /// systemd's word splitting: whitespace separates, double quotes group.
        static func words(_ line: String) -> [String] {
            var words: [String] = [], word = "", quoted = false
            for character in line {
                if character == "\"" { quoted.toggle(); continue }
                if character.isWhitespace && !quoted {
                    if !word.isEmpty { words.append(word) }
                    word = ""
                } else {
                    word.append(character)
                }
            }
            if !word.isEmpty { words.append(word) }
            return words
        }
    }

    @Test("the installed unit resolves state_dir to its StateDirectory, /var/lib/gantry, with the shipped config")
    func stateDirectoryUnderTheUnit() throws {
        let dest = Paths.temporaryDirectory("service-env")
        defer { try? FileManager.default.removeItem(at: dest) }
        let (installStatus, installOutput) = try run("/bin/bash", [Paths.installScript.path, "--destdir", dest.path, "--binary", Paths.gantry], timeout: 60)
        try #require(installStatus == 0, "scripts/install failed: \(installOutput)")

        let launch = try ServiceLaunch(unit: dest.appendingPathComponent("etc/systemd/system/gantry.service"), root: dest)
        try #require(launch.command.count >= 2 && launch.command[1] == "serve", "ExecStart: \(launch.command)")
        // The unit's absolute paths (the binary, --config) are the staged files.
        let command = launch.command.map { $0.hasPrefix("/") ? dest.path + $0 : $0 }
        let configArgument = try #require(command.firstIndex(of: "--config").map { command[$0 + 1] }, "ExecStart has no --config")
        #expect(FileManager.default.contents(atPath: configArgument) == FileManager.default.contents(atPath: Paths.defaultConfig.path),
                "the installed config is the shipped one")
        #expect(launch.environment["STATE_DIRECTORY"] == "/var/lib/gantry")

        let assignments = launch.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let (status, output) = try run("/usr/bin/env", ["-i", "-C", launch.workingDirectory] + assignments + command + ["--check-config"],
                                       timeout: 30)
        #expect(status == 0, "\(command.joined(separator: " ")) --check-config: \(output)")
        #expect(output.contains(", state_dir /var/lib/gantry, "), "the service would keep its state elsewhere: \(output)")
    }
}
