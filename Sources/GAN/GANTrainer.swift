import Foundation
import Linalg

/// Trains the notebook's GAN: one step is its two `sess.run` calls, one epoch a
/// shuffled pass over the training set.
///
/// All buffers a step touches are allocated once, here; a step allocates nothing.
public struct GANTrainer: Sendable {
    public let config: TrainingConfig
    public internal(set) var generator: Generator
    public internal(set) var discriminator: Discriminator
    public internal(set) var generatorOptimizer: Adam
    public internal(set) var discriminatorOptimizer: Adam
    /// Draws the initial weights, each epoch's shuffle and every step's noise.
    public internal(set) var rng: Xoshiro256StarStar
    public internal(set) var epochsCompleted: Int
    var workspace: TrainingWorkspace

    /// A fresh model, initialised from `config.seed`.
    public init(config: TrainingConfig) {
        var rng = Xoshiro256StarStar(seed: config.seed)
        let generator = Generator(zSize: config.zSize, hiddenUnits: config.gHidden, alpha: config.alpha, rng: &rng)
        let discriminator = Discriminator(hiddenUnits: config.dHidden, alpha: config.alpha, rng: &rng)
        self.init(config: config, generator: generator, discriminator: discriminator,
                  generatorOptimizer: Self.adam(for: config, generator: generator),
                  discriminatorOptimizer: Self.adam(for: config, discriminator: discriminator),
                  rng: rng, epochsCompleted: 0)
    }

    /// A model restored from saved state (a checkpoint).
    public init(config: TrainingConfig, generator: Generator, discriminator: Discriminator,
                generatorOptimizer: Adam, discriminatorOptimizer: Adam,
                rng: Xoshiro256StarStar, epochsCompleted: Int) {
        self.config = config
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.rng = rng
        self.epochsCompleted = epochsCompleted
        self.workspace = TrainingWorkspace(config: config)
    }

    static func adam(for config: TrainingConfig, generator g: Generator) -> Adam {
        Adam(learningRate: config.learningRate, beta1: config.beta1,
             shapes: [g.hidden.weight, g.hidden.bias, g.output.weight, g.output.bias].map { ($0.rows, $0.columns) })
    }

    static func adam(for config: TrainingConfig, discriminator d: Discriminator) -> Adam {
        Adam(learningRate: config.learningRate, beta1: config.beta1,
             shapes: [d.hidden.weight, d.hidden.bias, d.output.weight, d.output.bias].map { ($0.rows, $0.columns) })
    }

    /// One discriminator update on `real` and G(`noise`), then one generator update on
    /// the same noise against the updated discriminator. Both are `batchSize` rows.
    public mutating func step(real: Matrix, noise: Matrix) -> StepLosses {
        let batch = config.batchSize
        precondition(real.rows == batch && real.columns == TrainingConfig.imagePixels, "real batch must be \(batch)x784")
        precondition(noise.rows == batch && noise.columns == config.zSize, "noise must be \(batch)x\(config.zSize)")
        workspace.discriminatorInput.copyRows(from: real, toRow: 0)
        return stepOnStagedBatch(noise: noise)
    }

    /// `step` with the real batch already in the top rows of the discriminator's input.
    mutating func stepOnStagedBatch(noise: Matrix) -> StepLosses {
        let batch = config.batchSize
        // Discriminator update: real rows on top, G(z) below, one pass for both halves.
        generator.forward(noise: noise, into: &workspace.generator)
        workspace.discriminatorInput.copyRows(from: workspace.generator.image, toRow: batch)
        discriminator.forward(workspace.discriminatorInput, into: &workspace.discriminatorBoth)
        let scale = 1 / Float(batch)
        let (real_, fake_) = workspace.discriminatorBoth.logits.storage.withUnsafeBufferPointer { logits in
            workspace.logitGradientBoth.storage.withUnsafeMutableBufferPointer { gradient in
                let real = SigmoidCrossEntropy.meanLoss(
                    logits: UnsafeBufferPointer(rebasing: logits[0..<batch]), label: 1 - config.smooth,
                    gradients: UnsafeMutableBufferPointer(rebasing: gradient[0..<batch]), gradientScale: scale)
                let fake = SigmoidCrossEntropy.meanLoss(
                    logits: UnsafeBufferPointer(rebasing: logits[batch..<(2 * batch)]), label: 0,
                    gradients: UnsafeMutableBufferPointer(rebasing: gradient[batch..<(2 * batch)]), gradientScale: scale)
                return (real, fake)
            }
        }
        discriminator.backward(input: workspace.discriminatorInput, activations: workspace.discriminatorBoth,
                               logitGradient: workspace.logitGradientBoth, hiddenGradient: &workspace.discriminatorHiddenGradientBoth)
        let dRate = discriminatorOptimizer.beginStep()
        discriminatorOptimizer.update(&discriminator.hidden.weight, gradient: discriminator.hidden.weightGradient, slot: 0, rate: dRate)
        discriminatorOptimizer.update(&discriminator.hidden.bias, gradient: discriminator.hidden.biasGradient, slot: 1, rate: dRate)
        discriminatorOptimizer.update(&discriminator.output.weight, gradient: discriminator.output.weightGradient, slot: 2, rate: dRate)
        discriminatorOptimizer.update(&discriminator.output.bias, gradient: discriminator.output.biasGradient, slot: 3, rate: dRate)

        // Generator update: G(z) is unchanged (G has not moved), so it is reused; D is new.
        discriminator.forward(workspace.generator.image, into: &workspace.discriminatorFake)
        let generatorLoss = workspace.discriminatorFake.logits.storage.withUnsafeBufferPointer { logits in
            workspace.logitGradientFake.storage.withUnsafeMutableBufferPointer { gradient in
                SigmoidCrossEntropy.meanLoss(logits: logits, label: 1, gradients: gradient, gradientScale: scale).loss
            }
        }
        discriminator.inputGradient(activations: workspace.discriminatorFake, logitGradient: workspace.logitGradientFake,
                                    hiddenGradient: &workspace.discriminatorHiddenGradientFake, into: &workspace.imageGradient)
        generator.backward(noise: noise, activations: workspace.generator,
                           imageGradient: &workspace.imageGradient, hiddenGradient: &workspace.generatorHiddenGradient)
        let gRate = generatorOptimizer.beginStep()
        generatorOptimizer.update(&generator.hidden.weight, gradient: generator.hidden.weightGradient, slot: 0, rate: gRate)
        generatorOptimizer.update(&generator.hidden.bias, gradient: generator.hidden.biasGradient, slot: 1, rate: gRate)
        generatorOptimizer.update(&generator.output.weight, gradient: generator.output.weightGradient, slot: 2, rate: gRate)
        generatorOptimizer.update(&generator.output.bias, gradient: generator.output.biasGradient, slot: 3, rate: gRate)

        return StepLosses(dLoss: real_.loss + fake_.loss, dLossReal: real_.loss, dLossFake: fake_.loss,
                          gLoss: generatorLoss, dRealMean: real_.meanSigmoid, dFakeMean: fake_.meanSigmoid)
    }

    /// Steps in one epoch over `count` images: the last partial batch is dropped, as the notebook does.
    public func stepsPerEpoch(imageCount count: Int) -> Int { count / config.batchSize }

    /// Trains one epoch: shuffle, then `floor(n / batch)` steps, each with fresh uniform noise.
    ///
    /// `shouldStop` is asked before every step; when it says stop, the trainer is put
    /// back exactly as it was before the epoch (the state of the last checkpoint) and
    /// `nil` is returned, so an interrupted epoch never leaves half-trained weights.
    /// `exclusive` wraps each step's matrix products, e.g. in a lock that other BLAS
    /// users take too.
    public mutating func trainEpoch(
        on images: TrainingImages,
        shouldStop: () -> Bool = { false },
        exclusive: (() -> Void) -> Void = { $0() },
        afterStep: (_ step: Int, _ steps: Int) -> Void = { _, _ in }
    ) -> EpochLosses? {
        precondition(images.pixelsPerImage == TrainingConfig.imagePixels, "images must be 28x28")
        let steps = stepsPerEpoch(imageCount: images.count)
        precondition(steps > 0, "the training set (\(images.count) images) is smaller than one batch (\(config.batchSize))")
        let before = self
        let start = DispatchTime.now().uptimeNanoseconds
        var record = EpochLosses(epoch: epochsCompleted + 1)

        if workspace.order.count != images.count { workspace.order = Array(0..<images.count) }
        for i in workspace.order.indices { workspace.order[i] = i }
        rng.shuffle(&workspace.order)
        let batch = config.batchSize
        for s in 0..<steps {
            if shouldStop() {
                self = before
                return nil
            }
            images.fill(&workspace.discriminatorInput, indices: workspace.order[(s * batch)..<((s + 1) * batch)])
            workspace.noise.storage.withUnsafeMutableBufferPointer { rng.fillSymmetricUniform($0) }
            exclusive { record.add(stepOnStagedBatch(noise: workspace.noise)) }
            afterStep(s + 1, steps)
        }
        record.finishMean()
        record.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        epochsCompleted += 1
        return record
    }

    /// Floating-point operations of the matrix products in one step (2 per multiply-add).
    public var flopsPerStep: Int {
        let b = config.batchSize, z = config.zSize, g = config.gHidden, d = config.dHidden
        let p = TrainingConfig.imagePixels
        let generatorForward = 2 * b * (z * g + g * p)
        let discriminatorBoth = 2 * (2 * b) * (p * d + d) // forward on real and fake
            + 2 * (2 * b) * (d + d) + 2 * (2 * b) * p * d  // output layer gradients, dW1
        let discriminatorFake = 2 * b * (p * d + d) + 2 * b * d + 2 * b * d * p // forward, dx
        let generatorBackward = 2 * b * (g * p + p * g + z * g)
        return generatorForward + discriminatorBoth + discriminatorFake + generatorBackward
    }
}
