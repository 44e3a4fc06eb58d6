import Foundation
import GAN
import Layers
import Linalg
import Testing

/// The convolutional GAN's networks and step: their gradients through every layer
/// against finite differences, and the step's invariants (a stop mid-epoch restores
/// the trainer, BLAS threads do not change the bits, training moves D(x) apart).
@Suite struct DCGANTests {
    /// Narrow widths keep finite differences over every input and parameter quick.
    static func small(conditional: Bool = false) -> (TrainingConfig, DCGANArchitecture) {
        var config = TrainingConfig()
        config.zSize = 3
        config.batchSize = 4
        config.conditional = conditional
        config.alpha = 0.2
        config.seed = 5
        config.gChannels = 4
        config.dChannels = 2
        return (config, DCGANArchitecture(config))
    }

    static func random(rows: Int, columns: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256StarStar(seed: seed)
        return Matrix(rows: rows, columns: columns, storage: (0..<(rows * columns)).map { _ in rng.nextSymmetricUniform() })
    }

    /// Σ output ⊙ probe, in Double.
    static func loss(_ network: Sequential, _ input: Matrix, _ probe: Matrix) -> Double {
        zip(network.forward(input).output.storage, probe.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// The signs of every value a layer after the first kept for backward (the rectifiers
    /// keep their input): where a difference step flips one, it crossed a kink.
    static func signs(_ network: Sequential, _ input: Matrix) -> [Bool] {
        network.forward(input).cache.dropFirst().flatMap { ($0 as? Matrix)?.storage.map { $0 > 0 } ?? [] }
    }

    /// The worst relative error of the analytic input and parameter gradients, every
    /// `stride`-th entry, against central differences, and the share of entries left
    /// out: ReLU and leaky ReLU have kinks, and where a step of `h` carries a
    /// pre-activation across zero the difference quotient is not the derivative, so
    /// such an entry is skipped; the tests bound how many are.
    static func worstError(_ network: Sequential, input: Matrix, seed: UInt64, stride: Int) -> (worst: Double, skipped: Double) {
        let probe = random(rows: input.rows, columns: network.outputShape.count, seed: seed)
        let (_, cache) = network.forward(input)
        let (inputGradient, parameterGradients) = network.backward(probe, cache: cache, parameterGradients: true)
        let h: Float = 3e-3
        var worst = 0.0, checked = 0, skipped = 0
        func compare(_ analytic: Float, _ perturbed: (Float) -> (Sequential, Matrix)) {
            let (up, upInput) = perturbed(h), (down, downInput) = perturbed(-h)
            guard signs(up, upInput) == signs(down, downInput) else {
                skipped += 1
                return
            }
            checked += 1
            let numeric = (loss(up, upInput, probe) - loss(down, downInput, probe)) / (2 * Double(h))
            worst = max(worst, abs(Double(analytic) - numeric) / max(2e-2, abs(numeric)))
        }
        for i in Swift.stride(from: 0, to: input.count, by: stride) {
            compare(inputGradient.storage[i]) { h in
                var moved = input
                moved.storage[i] += h
                return (network, moved)
            }
        }
        let values = network.parameters.map(\.value)
        for (p, gradient) in parameterGradients.enumerated() {
            for i in Swift.stride(from: 0, to: values[p].count, by: max(1, stride / 4)) {
                compare(gradient.storage[i]) { h in
                    var moved = values
                    moved[p].storage[i] += h
                    var changed = network
                    changed.setParameters(moved)
                    return (changed, input)
                }
            }
        }
        return (worst, Double(skipped) / Double(checked + skipped))
    }

    @Test func generatorGradientsMatchFiniteDifferences() {
        let (_, architecture) = Self.small(conditional: true)
        var rng = Xoshiro256StarStar(seed: 1)
        let generator = architecture.makeGenerator(rng: &rng)
        #expect(generator.outputShape.count == 784)
        let input = LabelInput.appending([3, 7, 0], classes: 10, to: Self.random(rows: 3, columns: 3, seed: 2))
        // BatchNorm couples every unit of a batch, so one nudged entry moves all of G's
        // rectifier inputs and more steps cross a kink than in D.
        let (worst, skipped) = Self.worstError(generator, input: input, seed: 3, stride: 1)
        #expect(worst < 5e-2 && skipped < 0.3, "worst relative error \(worst), \(skipped) of entries at a kink")
    }

    @Test func discriminatorGradientsMatchFiniteDifferences() {
        let (_, architecture) = Self.small()
        var rng = Xoshiro256StarStar(seed: 4)
        let discriminator = architecture.makeDiscriminator(rng: &rng)
        #expect(discriminator.outputShape.count == 1)
        let input = Self.random(rows: 3, columns: 784, seed: 5)
        let (worst, skipped) = Self.worstError(discriminator, input: input, seed: 6, stride: 7)
        #expect(worst < 1e-2 && skipped < 0.15, "worst relative error \(worst), \(skipped) of entries at a kink")
    }

    @Test func parameterNamesFollowPyTorchsSequential() {
        let (_, architecture) = Self.small()
        var rng = Xoshiro256StarStar(seed: 4)
        let g = architecture.makeGenerator(rng: &rng), d = architecture.makeDiscriminator(rng: &rng)
        #expect(g.parameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias",
                                             "5.weight", "5.bias", "7.weight", "7.bias"])
        #expect(g.buffers.map(\.name) == ["2.running_mean", "2.running_var", "5.running_mean", "5.running_var"])
        #expect(d.parameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias", "6.weight", "6.bias"])
        #expect(g.parameters.reduce(0) { $0 + $1.value.count } == architecture.generatorParameters)
        #expect(d.parameters.reduce(0) { $0 + $1.value.count } == architecture.discriminatorParameters)
    }

    /// The cross-entropy's gradient is its derivative: checked on a few logits.
    @Test func objectiveGradientsMatchFiniteDifferences() {
        let objective = NonSaturatingObjective(smooth: 0.1)
        let logits = Matrix(rows: 4, columns: 1, storage: [-3, -0.2, 0.4, 5])
        let (real, _) = objective.discriminatorTerms(real: logits, fake: logits)
        for i in 0..<4 {
            var up = logits, down = logits
            up.storage[i] += 1e-2
            down.storage[i] -= 1e-2
            let numeric = (objective.discriminatorTerms(real: up, fake: up).real.loss - objective.discriminatorTerms(real: down, fake: down).real.loss) / 2e-2
            #expect(abs(numeric - real.gradient.storage[i]) < 1e-3, "logit \(i): \(numeric) against \(real.gradient.storage[i])")
        }
    }

    @Test func aStopMidEpochPutsTheTrainerBackAndThreadsDoNotChangeTheBits() {
        let (config, architecture) = Self.small(conditional: true)
        let images = TrainingImages.synthetic(count: 12, seed: 9)
        let labels = (0..<12).map { UInt8($0 % 10) }
        var oneThread = DCGANTrainer(config: config, architecture: architecture)
        var twoThreads = oneThread, interrupted = oneThread
        let first = oneThread.trainEpoch(on: images, labels: labels)
        let second = twoThreads.trainEpoch(on: images, labels: labels, exclusive: { $0(2) })
        #expect(first != nil && first?.dLoss == second?.dLoss && first?.gLoss == second?.gLoss)
        #expect(oneThread.generator.parameters.map(\.value) == twoThreads.generator.parameters.map(\.value))

        var asked = 0
        #expect(interrupted.trainEpoch(on: images, labels: labels, shouldStop: { asked += 1; return asked == 3 }) == nil)
        #expect(interrupted.epochsCompleted == 0)
        let resumed = interrupted.trainEpoch(on: images, labels: labels)
        #expect(resumed?.dLoss == first?.dLoss)
        #expect(interrupted.generator.parameters.map(\.value) == oneThread.generator.parameters.map(\.value))
        #expect(interrupted.discriminator.buffers.map(\.value) == oneThread.discriminator.buffers.map(\.value))
    }

    /// Skipping the first layer's input gradient leaves every parameter gradient as it was.
    @Test(arguments: [false, true])
    func parameterGradientsAloneAreBackwardsOwn(conditional: Bool) {
        let (config, architecture) = Self.small(conditional: conditional)
        var rng = Xoshiro256StarStar(seed: 3)
        for network in [architecture.makeGenerator(rng: &rng), architecture.makeDiscriminator(rng: &rng)] {
            let input = Self.random(rows: config.batchSize, columns: network.inputShape.count, seed: 6)
            let probe = Self.random(rows: config.batchSize, columns: network.outputShape.count, seed: 7)
            let (_, cache) = network.forward(input)
            let full = network.backward(probe, cache: cache, parameterGradients: true).parameterGradients
            #expect(network.parameterGradients(probe, cache: cache) == full)
            #expect(full.count == network.parameters.count)
        }
    }

    /// Sampling uses the running statistics: a row's image does not depend on the
    /// other rows drawn with it.
    @Test func samplesDependOnlyOnTheirOwnNoise() {
        let (config, architecture) = Self.small()
        var trainer = DCGANTrainer(config: config, architecture: architecture)
        _ = trainer.trainEpoch(on: TrainingImages.synthetic(count: 8, seed: 2))
        let noise = Self.random(rows: 5, columns: 3, seed: 8)
        let together = trainer.samplingGenerator.generate(noise: noise)
        let alone = trainer.samplingGenerator.generate(noise: noise.rows(2..<3))
        #expect(together.rows(2..<3) == alone)
        #expect(together.storage.allSatisfy { abs($0) <= 1 })
    }
}
