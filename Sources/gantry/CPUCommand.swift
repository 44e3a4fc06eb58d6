import ArgumentParser
import Foundation
import GAN
import Linalg

/// What runs the matrix products here, and whether the lane count changes their bits.
struct CPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpu",
        abstract: "Show the CPU, its features, the OpenBLAS core in use and why; optionally check that 1, 2 and 3 lanes train the same bits."
    )

    @Option(help: "OpenBLAS kernels: auto, or a core name.") var blasCore: BLASCoreChoice.Setting = .auto
    @Flag(help: "Train three small models on 1, 2 and 3 lanes and compare every bit; exit 1 if any differ.") var checkLanes = false
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        let report = try BLASCoreLauncher.select(blasCore)
        BLASThreads.set(1)
        let outcomes = checkLanes ? LaneAgreement.models.map { LaneAgreement.check(config: $0.config, model: $0.name) } : []
        let runnable = BLASCore.runnable(on: report.cpu.features).map(\.name)
        if json {
            var object: [String: Any] = [
                "cpu": report.cpu.model, "vendor": report.cpu.vendor, "features": report.cpu.features.names,
                "core": report.core, "best": report.best, "reason": report.reason, "runnable": runnable,
                "openblas": BLASLibrary.configuration,
            ]
            if checkLanes {
                object["lanes"] = outcomes.map { ["model": $0.model, "agrees": $0.agrees, "differing": $0.differing] as [String: Any] }
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("cpu: \(report.cpu.model) (\(report.cpu.vendor))")
            print("features: \(report.cpu.features.names.joined(separator: " "))")
            print("openblas: \(BLASLibrary.configuration)")
            print("core: \(report.core) (\(report.reason))")
            print("best core for this cpu: \(report.best); cores it runs: \(runnable.joined(separator: " "))")
            for outcome in outcomes {
                print("lanes 1, 2, 3 on the \(outcome.model) model: "
                      + (outcome.agrees ? "same bits" : "differ on \(outcome.differing.map(String.init).joined(separator: ", ")) lanes"))
            }
        }
        if outcomes.contains(where: { !$0.agrees }) { throw ExitCode(1) }
    }
}
