import ArgumentParser
import Linalg

@main
struct GantryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gantry",
        abstract: "Train GANs on MNIST-format digits.",
        subcommands: [ServeCommand.self, TrainCommand.self, SampleCommand.self, ExportCommand.self, BenchCommand.self, DownloadCommand.self, CPUCommand.self]
    )

    /// Tunes the allocator before any command runs (and before any thread exists).
    static func main() {
        AllocatorTuning.apply()
        main(nil)
    }
}
