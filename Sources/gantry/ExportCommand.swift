import ArgumentParser
import Foundation
import GAN
import ModelExport

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's generator as ONNX or safetensors (docs/export.md).",
        discussion: "The generator samples come from: the averaged weights when ema_decay is on. "
            + "ONNX: input z [N, z_size] (and digit int64 [N] when conditional), output image [N, 1, 28, 28] in [-1, 1]. "
            + "safetensors: the state_dict of the nn.Sequential docs/export.md prints."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case onnx, safetensors }

    @Option(help: "A checkpoint written by `gantry train` (full or generator-only).") var checkpoint: String
    @Option(help: "onnx or safetensors.") var format: Format
    @Option(help: "Write here instead of standard output.") var output: String?

    func run() throws {
        let trainer: ModelTrainer
        do { trainer = try Checkpoint.read(from: checkpoint).trainer } catch { throw CommandFailure("\(checkpoint): \(error)") }
        let generator = ExportedGenerator(trainer)
        let bytes = format == .onnx ? ONNXExport.model(generator) : SafetensorsExport.file(generator)
        if let output {
            try AtomicFile.write(bytes, to: output)
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }
}
