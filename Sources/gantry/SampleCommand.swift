import ArgumentParser
import Foundation
import GAN

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate digits from a checkpoint as a binary PGM grid."
    )

    @Option(help: "A checkpoint written by `gantry train` (full or generator-only).") var checkpoint: String
    @Option(help: "Digits to generate (1–256).") var count: Int = 16
    @Option(help: "Noise seed: the same seed gives the same bytes.") var seed: UInt64 = 7
    @Option(help: "Tiles per grid row.") var columns: Int = 4
    @Option(help: "Black pixels between tiles (0–8).") var pad: Int = 2
    @Option(help: "Write here instead of standard output.") var output: String?
    @Option(help: "A conditional model's digit to draw (0–9); every digit in turn when absent.") var digit: Int?

    func validate() throws {
        if let digit, !(0...9).contains(digit) { throw ValidationError("--digit must be between 0 and 9") }
        try validateSizes()
    }

    func validateSizes() throws {
        guard (1...256).contains(count) else { throw ValidationError("--count must be between 1 and 256") }
        guard (1...256).contains(columns) else { throw ValidationError("--columns must be between 1 and 256") }
        guard (0...8).contains(pad) else { throw ValidationError("--pad must be between 0 and 8") }
    }

    func run() throws {
        _ = try BLASCoreLauncher.select(.auto)
        let trainer: ModelTrainer
        do { trainer = try Checkpoint.read(from: checkpoint).trainer } catch { throw CommandFailure("\(checkpoint): \(error)") }
        let noise = Generator.noise(count: count, zSize: trainer.config.zSize, seed: seed)
        if digit != nil, !trainer.config.conditional { throw CommandFailure("\(checkpoint): --digit needs a conditional model") }
        let labels = digit.map { Array(repeating: $0, count: count) }
        let pgm = PGMGrid(columns: columns, pad: pad).encode(trainer.samplingGenerator.generate(noise: noise, labels: labels))
        if let output {
            try AtomicFile.write(pgm, to: output)
        } else {
            FileHandle.standardOutput.write(Data(pgm))
        }
    }
}
