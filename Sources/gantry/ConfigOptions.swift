import ArgumentParser
import Foundation
import GantryService

/// `--config` and `--state-dir`, resolved the same way by every command that reads the
/// daemon's configuration, so `serve` and `download` always agree on one state folder.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Configuration file (default: $GANTRY_CONFIG, else the built-in defaults).") var config: String?
    @Option(help: "State folder: database, checkpoints, datasets (overrides state_dir).") var stateDir: String?

    /// The file actually read, if any.
    var path: String? {
        config ?? ProcessInfo.processInfo.environment["GANTRY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// File, then environment, then these flags and `adjust`'s; validated.
    func load(adjust: (inout ServiceConfig) -> Void = { _ in }) throws -> ServiceConfig {
        do {
            var settings = try ServiceConfig.load(path: path, environment: ProcessInfo.processInfo.environment)
            if let stateDir { settings.stateDirectory = stateDir }
            adjust(&settings)
            try settings.validate()
            return settings
        } catch {
            throw CommandFailure("configuration: \(error)")
        }
    }
}
