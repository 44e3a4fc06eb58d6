import Foundation
import GAN
import Linalg
import MNIST
import Testing

/// The model learns MNIST's statistics, not just moving losses: after 10,000 steps on
/// the 4,000 real digits of mnist5k, the mean generated image correlates with the mean
/// real image and most generated pixels are background, as in MNIST (82% below 0.1).
@Suite(.serialized) struct LearningTests {
    static let mnist5k = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/mnist5k").path

    struct ImageStatistics {
        var meanImage: [Double]
        /// Share of pixels below 0.1 on a [0, 1] scale.
        var background: Double
    }

    static func statistics(of images: Matrix) -> ImageStatistics {
        var mean = [Double](repeating: 0, count: images.columns)
        var background = 0
        for r in 0..<images.rows {
            for c in 0..<images.columns {
                let p = (Double(images[r, c]) + 1) / 2
                mean[c] += p / Double(images.rows)
                if p < 0.1 { background += 1 }
            }
        }
        return ImageStatistics(meanImage: mean, background: Double(background) / Double(images.count))
    }

    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        var num = 0.0, da = 0.0, db = 0.0
        for i in a.indices {
            num += (a[i] - ma) * (b[i] - mb)
            da += (a[i] - ma) * (a[i] - ma)
            db += (b[i] - mb) * (b[i] - mb)
        }
        return num / (da * db).squareRoot()
    }

    @Test func generatedDigitsShareTheRealDataStatistics() throws {
        BLASThreads.set(1)
        let set = try MNISTFolder.load(directory: Self.mnist5k, split: .train)
        let images = TrainingImages(count: set.images.count, pixelsPerImage: 784, pixels: set.images.pixels)
        var real = Matrix(rows: images.count, columns: 784)
        images.fill(&real, indices: Array(0..<images.count)[...])
        let realStats = Self.statistics(of: real)
        #expect(abs(realStats.background - 0.82) < 0.02)

        var config = TrainingConfig()
        config.seed = 2026
        config.epochs = 250
        var trainer = GANTrainer(config: config)
        let noise = Generator.noise(count: 1000, zSize: config.zSize, seed: 99)
        let untrained = Self.statistics(of: trainer.generator.generate(noise: noise))
        var last: EpochLosses?
        while trainer.epochsCompleted < config.epochs { last = trainer.trainEpoch(on: images) }
        let trained = Self.statistics(of: trainer.generator.generate(noise: noise))

        let before = Self.correlation(untrained.meanImage, realStats.meanImage)
        let after = Self.correlation(trained.meanImage, realStats.meanImage)
        #expect(abs(before) < 0.3, "an untrained generator already matches the mean digit (\(before))")
        #expect(untrained.background < 0.2)
        #expect(after > 0.85, "mean image correlation after 10,000 steps: \(after)")
        #expect(trained.background > 0.65 && trained.background < 0.95, "background share \(trained.background)")
        // Neither network has won outright: the game is still being played.
        let losses = try #require(last)
        #expect(losses.dRealMean > 0.5 && losses.dFakeMean < 0.5 && losses.dFakeMean > 0.02)
    }
}
