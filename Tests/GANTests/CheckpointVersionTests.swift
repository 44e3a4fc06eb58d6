import Foundation
import GAN
import Linalg
import Testing

/// Version 2 carries the model fields and the averaged generator; files from version 1,
/// written by the earlier format's code (`fixtures/checkpoint-v1`), still load, sample
/// and resume exactly (RecordedBitsTests, under the recording's kernels).
@Suite(.serialized) struct CheckpointVersionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/checkpoint-v1")

    static func improvedTrainer() -> (GANTrainer, TrainingImages) {
        var config = ModelRecipe.improved.applied(to: TrainingConfig())
        config.batchSize = 10; config.gHidden = 16; config.dHidden = 12; config.zSize = 8; config.seed = 4; config.epochs = 5
        return (GANTrainer(config: config), TrainingImages.synthetic(count: 50, seed: 9))
    }

    @Test func theModelFieldsAndTheAverageRoundTrip() throws {
        var (trainer, images) = Self.improvedTrainer()
        _ = trainer.trainEpoch(on: images)
        #expect(trainer.averagedGenerator != nil && trainer.averagedGenerator != trainer.generator)
        let bytes = Checkpoint.encode(trainer)
        let (restored, kind) = try Checkpoint.decodeMLP(bytes)
        #expect(kind == .full && restored.config == trainer.config && restored.config.model == .improved)
        #expect(restored.config.dDropout == 0.3 && restored.config.emaDecay == 0.999)
        #expect(restored.generator == trainer.generator && restored.averagedGenerator == trainer.averagedGenerator)
        #expect(Checkpoint.encode(restored) == bytes)
        #expect(Checkpoint.completedEpochs(atPath: try write(bytes)) == 1)

        // Generator-only: the generator samples come from, the average.
        let (sampler, samplerKind) = try Checkpoint.decodeMLP(Checkpoint.encode(trainer, kind: .generatorOnly))
        let noise = Generator.noise(count: 4, zSize: 8, seed: 7)
        #expect(samplerKind == .generatorOnly)
        #expect(sampler.samplingGenerator.generate(noise: noise) == trainer.samplingGenerator.generate(noise: noise))
        #expect(sampler.samplingGenerator.generate(noise: noise) != trainer.generator.generate(noise: noise))
    }

    func write(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-v2-\(UUID()).gantry").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aVersionOneFileLoadsAsTheNotebookModel() throws {
        let path = Self.fixtures.appendingPathComponent("notebook-2-epochs.gantry").path
        #expect(Checkpoint.completedEpochs(atPath: path) == 2)
        let (trainer, kind) = try Checkpoint.readMLP(from: path)
        #expect(kind == .full && trainer.epochsCompleted == 2)
        #expect(trainer.config.model == .notebook && trainer.config.dDropout == 0 && trainer.config.emaDecay == 0 && !trainer.config.conditional)
        #expect(trainer.averagedGenerator == nil)
    }

    // Sampling and training from the version 1 file (resumed, and from scratch) are held to the recorded
    // bits by EndToEndTests' RecordedBitsTests, in a child process that forces the kernels
    // the file was recorded with: in this process OpenBLAS has already picked this CPU's.
}
