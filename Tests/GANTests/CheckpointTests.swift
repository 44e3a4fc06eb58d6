import Foundation
import GAN
import Linalg
import Testing

@Suite struct CheckpointTests {
    static func smallTrainer(seed: UInt64 = 5) -> (GANTrainer, TrainingImages) {
        var config = TrainingConfig()
        config.batchSize = 10; config.gHidden = 16; config.dHidden = 12; config.zSize = 8; config.seed = seed; config.epochs = 5
        let images = TrainingImages.synthetic(count: 50, seed: 9)
        return (GANTrainer(config: config), images)
    }

    @Test func roundTripRestoresEverything() throws {
        var (trainer, images) = Self.smallTrainer()
        _ = trainer.trainEpoch(on: images)
        let bytes = Checkpoint.encode(trainer)
        let (restored, kind) = try Checkpoint.decodeMLP(bytes)
        #expect(kind == .full)
        #expect(restored.config == trainer.config)
        #expect(restored.generator == trainer.generator)
        #expect(restored.discriminator.hidden.weight == trainer.discriminator.hidden.weight)
        #expect(restored.generatorOptimizer.firstMoments == trainer.generatorOptimizer.firstMoments)
        #expect(restored.discriminatorOptimizer.secondMoments == trainer.discriminatorOptimizer.secondMoments)
        #expect(restored.generatorOptimizer.step == 5)
        #expect(restored.rng == trainer.rng)
        #expect(restored.epochsCompleted == 1)
        #expect(Checkpoint.encode(restored) == bytes)
    }

    @Test func generatorOnlyCheckpointSamplesTheSame() throws {
        var (trainer, images) = Self.smallTrainer()
        _ = trainer.trainEpoch(on: images)
        let (restored, kind) = try Checkpoint.decodeMLP(Checkpoint.encode(trainer, kind: .generatorOnly))
        #expect(kind == .generatorOnly)
        let noise = Generator.noise(count: 4, zSize: 8, seed: 7)
        #expect(restored.generator.generate(noise: noise) == trainer.generator.generate(noise: noise))
    }

    @Test func writeIsAtomicAndReadable() throws {
        let (trainer, _) = Self.smallTrainer()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-ckpt-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/checkpoint.gantry"
        try Checkpoint.write(ModelTrainer(trainer), to: path)
        try Checkpoint.write(ModelTrainer(trainer), to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["checkpoint.gantry"])
        #expect(try Checkpoint.readMLP(from: path).trainer.generator == trainer.generator)
        #expect(throws: CheckpointError.self) { try Checkpoint.readMLP(from: dir + "/missing") }
    }

    @Test func truncationAtAnyPointIsRefused() {
        let bytes = Checkpoint.encode(Self.smallTrainer().0)
        for length in [0, 4, 8, 12, 40, bytes.count / 2, bytes.count - 5, bytes.count - 1] {
            #expect(throws: CheckpointError.self, "length \(length)") { try Checkpoint.decodeMLP(Array(bytes[0..<length])) }
        }
    }

    @Test func flippedByteIsCaughtByTheChecksum() {
        var bytes = Checkpoint.encode(Self.smallTrainer().0)
        bytes[bytes.count / 2] ^= 0x40
        #expect { try Checkpoint.decodeMLP(bytes) } throws: {
            guard case .checksumMismatch = $0 as? CheckpointError else { return false }
            return "\($0)".contains("corrupted")
        }
    }

    @Test func wrongMagicAndVersionAreRefused() {
        var bytes = Checkpoint.encode(Self.smallTrainer().0)
        var wrongMagic = bytes
        wrongMagic[0] = UInt8(ascii: "X")
        #expect { try Checkpoint.decodeMLP(wrongMagic) } throws: { if case .notACheckpoint = $0 as? CheckpointError { true } else { false } }
        bytes[8] = 9
        #expect { try Checkpoint.decodeMLP(bytes) } throws: { ($0 as? CheckpointError) == .unsupportedVersion(9) }
    }

    /// A file whose checksum is right but whose contents disagree with its configuration
    /// (as a buggy writer or a hand edit would make) is refused, not loaded.
    @Test func inconsistentContentsWithAValidChecksumAreRefused() {
        var bytes = Checkpoint.encode(Self.smallTrainer().0)
        bytes.removeLast(4)
        bytes[16 + 8 * 2] = 9 // z_size 8 → 9: the first tensor's shape no longer fits
        var crc = CRC32()
        crc.update(bytes)
        withUnsafeBytes(of: crc.value.littleEndian) { bytes.append(contentsOf: $0) }
        #expect { try Checkpoint.decodeMLP(bytes) } throws: {
            guard case .inconsistent(let detail) = $0 as? CheckpointError else { return false }
            return detail.contains("generator.hidden.weight")
        }
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
