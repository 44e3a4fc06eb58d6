import Foundation
import Testing
@testable import GAN
import Layers
import Linalg

/// The convolutional model through the checkpoint format (version 3, and 4 with
/// `d_augment` on): everything a resume needs comes back, a resumed run ends where an
/// unbroken one does, a generator-only file samples as the trainer did, and a damaged
/// file is refused.
@Suite struct DCGANCheckpointTests {
    static func config(ema: Float, conditional: Bool, augment: String = "", dropout: Float = 0) -> TrainingConfig {
        var config = ModelRecipe.dcgan.applied(to: TrainingConfig())
        config.zSize = 6
        config.batchSize = 4
        config.gChannels = 6
        config.dChannels = 3
        config.emaDecay = ema
        config.conditional = conditional
        config.epochs = 3
        config.seed = 21
        config.dAugment = try! AugmentPolicy(parsing: augment)
        config.dDropout = dropout
        return config
    }

    static let images = TrainingImages.synthetic(count: 12, seed: 4)
    static let labels = (0..<12).map { UInt8($0 % 10) }

    static func state(_ network: Sequential) -> [Matrix] { (network.parameters + network.buffers).map(\.value) }

    @Test(arguments: [(Float(0), false, "", Float(0)), (0.9, true, "", 0), (0.9, true, "cutout,translation", 0), (0, false, "brightness,contrast", 0),
                      (0.9, false, "", 0.3)])
    func roundTripRestoresEverything(_ ema: Float, _ conditional: Bool, _ augment: String, _ dropout: Float) throws {
        var trainer = DCGANTrainer(config: Self.config(ema: ema, conditional: conditional, augment: augment, dropout: dropout))
        _ = trainer.trainEpoch(on: Self.images, labels: Self.labels)
        let bytes = Checkpoint.encode(trainer)
        let version: UInt8 = augment.isEmpty ? 3 : 4
        #expect(Array(bytes[8..<12]) == [version, 0, 0, 0], "a convolutional model's file is version 3, or 4 with augmentation")
        let (decoded, kind) = try Checkpoint.decode(bytes)
        let restored = try #require(decoded.convolutional)
        #expect(kind == .full && restored.config == trainer.config && restored.epochsCompleted == 1)
        #expect(restored.config.dAugment == (try AugmentPolicy(parsing: augment)) && restored.config.dDropout == dropout)
        #expect(restored.discriminator.parameters.map(\.name) == trainer.discriminator.parameters.map(\.name))
        #expect(Self.state(restored.generator) == Self.state(trainer.generator))
        #expect(Self.state(restored.discriminator) == Self.state(trainer.discriminator))
        #expect(restored.generatorOptimizer == trainer.generatorOptimizer && restored.discriminatorOptimizer == trainer.discriminatorOptimizer)
        #expect(restored.averagedGenerator.map(Self.state) == trainer.averagedGenerator.map(Self.state))
        #expect((ema > 0) == (restored.averagedGenerator != nil))
        #expect(restored.rng == trainer.rng)
        #expect(Checkpoint.encode(restored) == bytes)
        #expect(bytes.count <= Checkpoint.sizeBound(of: trainer.config, kind: .full))
        #expect(Checkpoint.sizeBound(of: trainer.config, kind: .full) - bytes.count <= Checkpoint.overheadBound)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-dcgan-\(UUID()).gantry").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(Checkpoint.completedEpochs(atPath: path) == 1)
    }

    /// The names and shapes docs/checkpoint-format.md lists, for c = 6, d = 3, z = 6, L = 10.
    @Test func tensorsAreNamedAndShapedAsDocumented() {
        let trainer = DCGANTrainer(config: Self.config(ema: 0.9, conditional: true))
        let (c, d, z, l) = (6, 3, 6, 10)
        let generator: [(String, Int, Int)] = [
            ("0.weight", 49 * c, z + l), ("0.bias", 1, 49 * c), ("2.weight", 1, c), ("2.bias", 1, c),
            ("4.weight", c, 16 * c / 2), ("4.bias", 1, c / 2), ("5.weight", 1, c / 2), ("5.bias", 1, c / 2),
            ("7.weight", c / 2, 16), ("7.bias", 1, 1),
            ("2.running_mean", 1, c), ("2.running_var", 1, c), ("5.running_mean", 1, c / 2), ("5.running_var", 1, c / 2),
        ]
        let discriminator: [(String, Int, Int)] = [
            ("0.weight", d, 16 * (1 + l)), ("0.bias", 1, d), ("2.weight", 2 * d, 16 * d), ("2.bias", 1, 2 * d),
            ("3.weight", 1, 2 * d), ("3.bias", 1, 2 * d), ("6.weight", 1, 98 * d), ("6.bias", 1, 1),
            ("3.running_mean", 1, 2 * d), ("3.running_var", 1, 2 * d),
        ]
        func moments(_ net: String, _ shapes: [(String, Int, Int)]) -> [(String, Int, Int)] {
            let parameters = shapes.filter { !$0.0.contains("running") }
            return parameters.enumerated().map { ("adam.\(net).m.\($0.offset)", $0.element.1, $0.element.2) }
                + parameters.enumerated().map { ("adam.\(net).v.\($0.offset)", $0.element.1, $0.element.2) }
        }
        let expected = generator.map { ("generator.\($0.0)", $0.1, $0.2) } + discriminator.map { ("discriminator.\($0.0)", $0.1, $0.2) }
            + moments("generator", generator) + moments("discriminator", discriminator) + generator.map { ("generator.average.\($0.0)", $0.1, $0.2) }
        let actual = trainer.namedTensors(kind: .full).map { ($0.0, $0.1.rows, $0.1.columns) }
        #expect(actual.map(\.0) == expected.map(\.0))
        #expect(actual.map { "\($0.1)x\($0.2)" } == expected.map { "\($0.1)x\($0.2)" })
    }

    /// With `d_dropout` on, D has a Dropout after each leaky ReLU, and the later layers'
    /// names move as they would in PyTorch's `nn.Sequential`; G is unchanged.
    @Test func dropoutMovesTheDiscriminatorsLaterLayersNames() {
        let plain = DCGANTrainer(config: Self.config(ema: 0, conditional: false))
        let dropped = DCGANTrainer(config: Self.config(ema: 0, conditional: false, dropout: 0.3))
        #expect(dropped.discriminator.parameters.map(\.name) == ["0.weight", "0.bias", "3.weight", "3.bias", "4.weight", "4.bias", "8.weight", "8.bias"])
        #expect(dropped.discriminator.buffers.map(\.name) == ["4.running_mean", "4.running_var"])
        #expect(dropped.discriminator.parameters.map(\.value) == plain.discriminator.parameters.map(\.value), "the same initial weights")
        #expect(dropped.generator.parameters.map(\.name) == plain.generator.parameters.map(\.name))
    }

    /// What a `kill -9` after epoch 1 and a restart do: the file is all that survives.
    @Test(arguments: [("", Float(0)), ("translation,cutout,brightness,contrast", 0), ("", 0.3)])
    func aRunResumedFromItsCheckpointEndsWithTheSameWeights(augment: String, dropout: Float) throws {
        let config = Self.config(ema: 0.9, conditional: true, augment: augment, dropout: dropout)
        var straight = DCGANTrainer(config: config), partial = straight
        var straightRecords: [EpochLosses] = []
        while straight.epochsCompleted < 3 { straightRecords.append(straight.trainEpoch(on: Self.images, labels: Self.labels)!) }
        _ = partial.trainEpoch(on: Self.images, labels: Self.labels)
        var resumed = try Checkpoint.decode(Checkpoint.encode(partial)).trainer
        var later: [EpochLosses] = []
        while resumed.epochsCompleted < 3 { later.append(resumed.trainEpoch(on: Self.images, labels: Self.labels, exclusive: { $0(2) })!) }
        let end = try #require(resumed.convolutional)
        #expect(Self.state(end.generator) == Self.state(straight.generator))
        #expect(Self.state(end.discriminator) == Self.state(straight.discriminator))
        #expect(end.averagedGenerator.map(Self.state) == straight.averagedGenerator.map(Self.state))
        #expect(end.generatorOptimizer == straight.generatorOptimizer && end.rng == straight.rng)
        #expect(later.map(\.gLoss) == straightRecords[1...].map(\.gLoss))
    }

    @Test func aGeneratorOnlyFileSamplesWhatTheTrainerSamples() throws {
        var trainer = DCGANTrainer(config: Self.config(ema: 0.9, conditional: true))
        _ = trainer.trainEpoch(on: Self.images, labels: Self.labels)
        let bytes = Checkpoint.encode(trainer, kind: .generatorOnly)
        #expect(bytes.count <= Checkpoint.sizeBound(of: trainer.config, kind: .generatorOnly))
        let (sampler, kind) = try Checkpoint.decode(bytes)
        #expect(kind == .generatorOnly)
        let noise = Generator.noise(count: 10, zSize: 6, seed: 3)
        let drawn = sampler.samplingGenerator.generate(noise: noise, labels: nil)
        #expect(drawn == trainer.samplingGenerator.generate(noise: noise))
        // The file holds the average, not the trained weights.
        let trained = ConvolutionalGenerator(network: trainer.generator, zSize: 6, labelCount: 10)
        #expect(drawn != trained.generate(noise: noise))
    }

    @Test func aDamagedOrMislabelledFileIsRefused() throws {
        var trainer = DCGANTrainer(config: Self.config(ema: 0, conditional: false))
        _ = trainer.trainEpoch(on: Self.images)
        let bytes = Checkpoint.encode(trainer)
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x10
        #expect(throws: CheckpointError.self) { try Checkpoint.decode(flipped) }
        // The same bytes called version 2 (checksum mended): a version 2 file cannot hold
        // the convolutional model's widths, so it is refused, not misread.
        var relabelled = Array(bytes.dropLast(4))
        relabelled[8] = 2
        relabelled += withUnsafeBytes(of: CRC32.checksum(relabelled[...]).littleEndian, Array.init)
        #expect {
            try Checkpoint.decode(relabelled)
        } throws: { error in
            "\(error)".contains("version 3")
        }
    }

    /// The augmentation is a version 4 field after the widths (bytes 112..<116): a
    /// version 3 file, which has none, reads as augmentation off with everything else as
    /// it was; a version 4 file must name a transform it knows, and one that names none
    /// is not the lowest version that holds its model.
    @Test func aVersionThreeFileReadsAsAugmentationOff() throws {
        var trainer = DCGANTrainer(config: Self.config(ema: 0.9, conditional: true, augment: "translation,cutout"))
        _ = trainer.trainEpoch(on: Self.images, labels: Self.labels)
        let bytes = Checkpoint.encode(trainer)
        #expect(Array(bytes[112..<116]) == [0b1100, 0, 0, 0])
        func mended(_ body: [UInt8]) -> [UInt8] { body + withUnsafeBytes(of: CRC32.checksum(body[...]).littleEndian, Array.init) }
        var older = Array(bytes[0..<112] + bytes[116..<(bytes.count - 4)])
        older[8] = 3
        let restored = try #require(try Checkpoint.decode(mended(older)).trainer.convolutional)
        var expected = trainer.config
        expected.dAugment = .off
        #expect(restored.config == expected)
        #expect(Self.state(restored.generator) == Self.state(trainer.generator) && restored.rng == trainer.rng)
        #expect(Checkpoint.encode(restored) == mended(older), "augmentation off writes version 3 again, byte for byte")

        for (bits, problem) in [(UInt8(0x10), "unknown transform"), (0, "version 3")] {
            var bad = Array(bytes.dropLast(4))
            bad[112] = bits
            #expect {
                try Checkpoint.decode(mended(bad))
            } throws: { error in
                "\(error)".contains(problem)
            }
        }
    }
}
