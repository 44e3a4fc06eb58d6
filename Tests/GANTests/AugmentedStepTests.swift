import Foundation
@testable import GAN
import Layers
import Linalg
import Testing

/// The dcgan step with `d_augment` on: which T each of D's three passes sees and where
/// its draws come from, and that the lane count does not change the bits.
@Suite struct AugmentedStepTests {
    static let policy = try! AugmentPolicy(parsing: "translation,cutout,brightness,contrast")

    static func config(_ policy: AugmentPolicy = Self.policy) -> TrainingConfig {
        var config = ModelRecipe.dcgan.applied(to: TrainingConfig())
        (config.zSize, config.batchSize, config.gChannels, config.dChannels) = (5, 6, 6, 3)
        (config.conditional, config.seed, config.dAugment) = (true, 31, policy)
        return config
    }

    /// The step's losses are D's on T₁(real) and T₂(G(z)), then the updated D's on
    /// T₃(G(z)), the three drawn in that order from the trainer's generator, and nothing
    /// else is drawn.
    @Test func eachPassSeesItsOwnDrawInOrder() {
        let config = Self.config(), batch = config.batchSize
        let before = DCGANTrainer(config: config)
        let real = DCGANTests.random(rows: batch, columns: 784, seed: 3), noise = DCGANTests.random(rows: batch, columns: 5, seed: 4)
        let labels = (real: [1, 2, 3, 4, 5, 6], fake: [9, 8, 7, 6, 5, 4])
        var after = before
        let losses = after.step(real: real, noise: noise, labels: labels)

        var rng = before.rng
        let onReal = DifferentiableAugment(policy: Self.policy, count: batch, rng: &rng)
        let onFake = DifferentiableAugment(policy: Self.policy, count: batch, rng: &rng)
        let forG = DifferentiableAugment(policy: Self.policy, count: batch, rng: &rng)
        #expect(after.rng == rng)
        func input(_ images: Matrix, _ digits: [Int]) -> Matrix { LabelInput.appending(digits, classes: 10, to: images) }
        let fake = before.generator.forward(LabelInput.appending(labels.fake, classes: 10, to: noise)).output
        let terms = before.objective.discriminatorTerms(real: before.discriminator.forward(input(onReal.forward(real), labels.real)).output,
                                                        fake: before.discriminator.forward(input(onFake.forward(fake), labels.fake)).output)
        #expect(losses.dLossReal == terms.real.loss && losses.dLossFake == terms.fake.loss)
        // D's forward in training uses the batch's statistics, so the updated running ones do not matter here.
        let gTerm = before.objective.generatorTerm(fake: after.discriminator.forward(input(forG.forward(fake), labels.fake)).output)
        #expect(losses.gLoss == gTerm.loss)
        // The first draw's T is not the second's: fresh parameters each pass.
        #expect(onReal.draws != onFake.draws && onFake.draws != forG.draws)
    }

    /// Off, a step draws nothing and trains what it trained before the option existed.
    @Test func offDrawsNothingAndOnChangesTraining() {
        var off = DCGANTrainer(config: Self.config(.off)), on = DCGANTrainer(config: Self.config())
        let real = DCGANTests.random(rows: 6, columns: 784, seed: 3), noise = DCGANTests.random(rows: 6, columns: 5, seed: 4)
        let labels = (real: [1, 2, 3, 4, 5, 6], fake: [9, 8, 7, 6, 5, 4])
        let rng = off.rng
        _ = off.step(real: real, noise: noise, labels: labels)
        _ = on.step(real: real, noise: noise, labels: labels)
        #expect(off.rng == rng && on.rng != rng)
        #expect(off.generator.parameters.map(\.value) != on.generator.parameters.map(\.value))
    }

    /// D's dropout draws one key from the trainer's generator before each of D's three
    /// passes, and nothing when off; the drop changes what D computes.
    @Test func dropoutDrawsAKeyForEachOfDsPasses() {
        var config = Self.config(.off)
        config.dDropout = 0.3
        var on = DCGANTrainer(config: config), off = DCGANTrainer(config: Self.config(.off))
        let real = DCGANTests.random(rows: 6, columns: 784, seed: 3), noise = DCGANTests.random(rows: 6, columns: 5, seed: 4)
        let labels = (real: [1, 2, 3, 4, 5, 6], fake: [9, 8, 7, 6, 5, 4])
        var rng = on.rng
        let keys = (0..<3).map { _ in rng.next() }
        let before = on
        let dropped = on.step(real: real, noise: noise, labels: labels)
        let plain = off.step(real: real, noise: noise, labels: labels)
        #expect(on.rng == rng && Set(keys).count == 3)
        #expect(dropped.dLossReal != plain.dLossReal && dropped.gLoss != plain.gLoss)
        // D's loss on the real batch is the one its first key's mask gives.
        var discriminator = before.discriminator
        discriminator.setNoiseKey(keys[0])
        let judged = discriminator.forward(LabelInput.appending(labels.real, classes: 10, to: real)).output
        let fake = before.generator.forward(LabelInput.appending(labels.fake, classes: 10, to: noise)).output
        discriminator.setNoiseKey(keys[1])
        let onFake = discriminator.forward(LabelInput.appending(labels.fake, classes: 10, to: fake)).output
        #expect(before.objective.discriminatorTerms(real: judged, fake: onFake).real.loss == dropped.dLossReal)
    }

    /// Two epochs on one lane and on two end with the same checkpoint bytes (every weight,
    /// statistic, moment, the average, the RNG and the policy) and the same losses, at
    /// `LaneAgreement`'s dcgan shapes, where the products split over the lanes.
    @Test func oneAndTwoLanesGiveTheSameBits() {
        BLASThreads.set(1)
        var config = LaneAgreement.models.first { $0.name == "dcgan" }!.config
        config.dAugment = Self.policy
        let outcome = LaneAgreement.check(config: config, model: "dcgan augmented", lanes: [1, 2], epochs: 2, steps: 2)
        #expect(outcome.agrees, "lanes \(outcome.differing) differ from one lane")
    }
}
