import ArgumentParser

@main
struct GantryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gantry",
        abstract: "Train GANs on MNIST-format digits.",
        subcommands: [ServeCommand.self, TrainCommand.self, SampleCommand.self, BenchCommand.self, DownloadCommand.self, CPUCommand.self]
    )
}
