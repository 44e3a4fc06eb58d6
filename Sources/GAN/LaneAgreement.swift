import Linalg

/// Trains the same model from the same seed on several lane counts and says whether
/// they end with the same bits: the promise that the lane count changes nothing,
/// checked on whatever OpenBLAS core this process runs (`gantry cpu --check-lanes`).
public struct LaneAgreement: Sendable {
    /// The model shapes checked: the default model; an odd small one; and one with narrow
    /// hidden layers and a wide batch, where a lane's share of D's products would fall
    /// under the AVX-512 small-matrix size if the split did not keep it above.
    public static let models: [(name: String, config: TrainingConfig)] = {
        var small = TrainingConfig()
        (small.batchSize, small.zSize, small.gHidden, small.dHidden, small.seed) = (60, 7, 24, 20, 5)
        var narrow = TrainingConfig()
        (narrow.batchSize, narrow.gHidden, narrow.dHidden, narrow.seed) = (200, 32, 32, 9)
        var standard = TrainingConfig()
        standard.seed = 42
        var improved = ModelRecipe.improved.applied(to: TrainingConfig())
        improved.seed = 43
        var conditional = improved
        (conditional.conditional, conditional.seed) = (true, 44)
        // A quarter of the default widths, half the batch: every product still spans several tiles.
        var dcgan = ModelRecipe.dcgan.applied(to: TrainingConfig())
        (dcgan.batchSize, dcgan.gChannels, dcgan.dChannels, dcgan.conditional, dcgan.seed) = (50, 32, 16, true, 45)
        // Every augmentation and D's dropout on, so their draws and passes are held to the same bits too.
        dcgan.dAugment = AugmentPolicy(transforms: Set(AugmentPolicy.Transform.allCases))
        dcgan.dDropout = 0.3
        return [("default", standard), ("small", small), ("narrow", narrow), ("improved", improved), ("conditional", conditional),
                ("dcgan", dcgan)]
    }()

    public struct Outcome: Sendable {
        public let model: String
        /// Lane counts whose weights, Adam state or epoch losses differ from one lane's.
        public let differing: [Int]
        public var agrees: Bool { differing.isEmpty }
    }

    /// `epochs` epochs of `steps` steps on synthetic images, on each of `lanes`.
    public static func check(config: TrainingConfig, model: String, lanes: [Int] = [1, 2, 3], epochs: Int = 2, steps: Int = 6) -> Outcome {
        let digits = LabeledDigits.synthetic(count: config.batchSize * steps + 3, seed: config.seed)
        func train(_ count: Int) -> ([UInt8], [[Double]]) {
            var trainer = ModelTrainer(config: config)
            var losses: [[Double]] = []
            for _ in 0..<epochs {
                let r = trainer.trainEpoch(on: digits.images, labels: digits.labels, exclusive: { $0(count) })!
                losses.append([r.dLoss, r.gLoss, r.dLossReal, r.dLossFake, r.dRealMean, r.dFakeMean])
            }
            // The full checkpoint: every weight, statistic, Adam moment and step, the
            // average and the RNG, bit for bit.
            return (Checkpoint.encode(trainer), losses)
        }
        let (one, oneLosses) = train(lanes.first ?? 1)
        let differing = lanes.dropFirst().filter { count in
            let (other, otherLosses) = train(count)
            return !(otherLosses == oneLosses && other == one)
        }
        return Outcome(model: model, differing: differing)
    }
}
