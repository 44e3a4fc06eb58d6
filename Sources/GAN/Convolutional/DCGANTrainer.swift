import Foundation
import Layers
import Linalg

/// Trains `DCGANArchitecture`'s networks: one step is PyTorch's DCGAN step (D on a real
/// batch and on G(z), each with its own batch statistics, one Adam update; then G
/// through the updated D on the same G(z), one Adam update), one epoch a shuffled pass
/// over the training set, as `GANTrainer` does for the MLP.
///
/// The objective is a value (`GANObjective`); the step only hands it D's outputs and
/// takes back their gradients, so other objectives need no change here. With
/// `d_augment` on, every batch D sees goes through a fresh `DifferentiableAugment`.
public struct DCGANTrainer: Sendable {
    public private(set) var config: TrainingConfig
    public let architecture: DCGANArchitecture
    public internal(set) var generator: Sequential
    public internal(set) var discriminator: Sequential
    /// The exponential moving average of G's parameters (`config.emaDecay`), its
    /// BatchNorm statistics copied from G's; nil when the average is off.
    public internal(set) var averagedGenerator: Sequential?
    public internal(set) var generatorOptimizer: Adam
    public internal(set) var discriminatorOptimizer: Adam
    public internal(set) var rng: Xoshiro256StarStar
    public internal(set) var epochsCompleted: Int
    let objective: NonSaturatingObjective

    /// A fresh model of `architecture`, initialised from `config.seed`.
    public init(config: TrainingConfig, architecture: DCGANArchitecture? = nil) {
        var rng = Xoshiro256StarStar(seed: config.seed)
        let architecture = architecture ?? DCGANArchitecture(config)
        let generator = architecture.makeGenerator(rng: &rng)
        let discriminator = architecture.makeDiscriminator(rng: &rng)
        self.init(config: config, architecture: architecture, generator: generator, discriminator: discriminator,
                  generatorOptimizer: Self.adam(for: config, network: generator),
                  discriminatorOptimizer: Self.adam(for: config, network: discriminator),
                  rng: rng, epochsCompleted: 0)
    }

    /// A model restored from saved state (a checkpoint).
    public init(config: TrainingConfig, architecture: DCGANArchitecture, generator: Sequential, discriminator: Sequential,
                generatorOptimizer: Adam, discriminatorOptimizer: Adam,
                rng: Xoshiro256StarStar, epochsCompleted: Int, averagedGenerator: Sequential? = nil) {
        self.config = config
        self.architecture = architecture
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.rng = rng
        self.epochsCompleted = epochsCompleted
        self.averagedGenerator = config.emaDecay > 0 ? averagedGenerator ?? generator : nil
        objective = NonSaturatingObjective(smooth: config.smooth)
    }

    static func adam(for config: TrainingConfig, network: Sequential) -> Adam {
        Adam(learningRate: config.learningRate, beta1: config.beta1,
             shapes: network.parameters.map { ($0.value.rows, $0.value.columns) })
    }

    /// The generator samples and scores come from: the averaged one when the average is on.
    public var samplingGenerator: ConvolutionalGenerator {
        ConvolutionalGenerator(network: averagedGenerator ?? generator, zSize: config.zSize, labelCount: architecture.labelCount)
    }

    /// One step on `real` (batch × 784) and `noise` (batch × z); a conditional model takes
    /// the real rows' labels and the digits G is asked for.
    public mutating func step(real: Matrix, noise: Matrix, labels: (real: [Int], fake: [Int])? = nil) -> StepLosses {
        let batch = config.batchSize
        precondition(real.rows == batch && real.columns == TrainingConfig.imagePixels, "real batch must be \(batch)x784")
        precondition(noise.rows == batch && noise.columns == config.zSize, "noise must be \(batch)x\(config.zSize)")
        precondition(config.conditional == (labels != nil), "labels go with a conditional model, and only with one")
        let classes = architecture.labelCount
        let generatorInput = labels.map { LabelInput.appending($0.fake, classes: classes, to: noise) } ?? noise
        func discriminatorInput(_ images: Matrix, _ digits: [Int]?) -> Matrix {
            digits.map { LabelInput.appending($0, classes: classes, to: images) } ?? images
        }

        // With `d_augment` on, D sees each batch through its own T, drawn here from `rng`
        // in a fixed order (real, G(z) for D, G(z) for G), so the draws are the run's and
        // a resumed epoch draws them again; off, nothing is drawn and the step is as before.
        let policy = config.dAugment
        func augment(_ images: Matrix) -> (images: Matrix, transform: DifferentiableAugment?) {
            guard !policy.isOff else { return (images, nil) }
            let transform = DifferentiableAugment(policy: policy, count: images.rows, rng: &rng)
            return (transform.forward(images), transform)
        }

        // D: real and G(z) as two batches, as PyTorch's DCGAN feeds them. D's update needs
        // no gradient through T, only G's does.
        let drawn = generator.forward(generatorInput)
        let realImages = augment(real).images, fakeImages = augment(drawn.output).images
        let realInput = discriminatorInput(realImages, labels?.real), fakeInput = discriminatorInput(fakeImages, labels?.fake)
        // With D's dropout on, each of its passes drops its own units, the keys drawn
        // here in pass order; off, nothing is drawn.
        func freshDropout() {
            if architecture.dropout > 0 { discriminator.setNoiseKey(rng.next()) }
        }
        freshDropout()
        let onReal = discriminator.forward(realInput)
        freshDropout()
        let onFake = discriminator.forward(fakeInput)
        let terms = objective.discriminatorTerms(real: onReal.output, fake: onFake.output)
        let realGradients = discriminator.parameterGradients(terms.real.gradient, cache: onReal.cache)
        let fakeGradients = discriminator.parameterGradients(terms.fake.gradient, cache: onFake.cache)
        discriminator.updateBuffers(from: onReal.cache)
        discriminator.updateBuffers(from: onFake.cache)
        Self.update(&discriminator, with: &discriminatorOptimizer, gradients: zip(realGradients, fakeGradients).map { Self.sum($0, $1) })

        // G: the updated D on the same images (through a fresh T when augmenting, its
        // gradient taken back through T); D's own gradients are not needed.
        let again = augment(drawn.output)
        freshDropout()
        let judged = discriminator.forward(again.transform == nil ? fakeInput : discriminatorInput(again.images, labels?.fake))
        let term = objective.generatorTerm(fake: judged.output)
        let inputGradient = discriminator.backward(term.gradient, cache: judged.cache, parameterGradients: false).inputGradient
        discriminator.updateBuffers(from: judged.cache)
        let augmentedGradient = LabelInput.leadingColumns(of: inputGradient, count: TrainingConfig.imagePixels)
        let imageGradient = again.transform?.adjoint(augmentedGradient) ?? augmentedGradient
        let generatorGradients = generator.parameterGradients(imageGradient, cache: drawn.cache)
        generator.updateBuffers(from: drawn.cache)
        Self.update(&generator, with: &generatorOptimizer, gradients: generatorGradients)
        updateAverage()

        return StepLosses(dLoss: terms.real.loss + terms.fake.loss, dLossReal: terms.real.loss, dLossFake: terms.fake.loss,
                          gLoss: term.loss, dRealMean: terms.real.meanScore, dFakeMean: terms.fake.meanScore)
    }

    private static func sum(_ a: Matrix, _ b: Matrix) -> Matrix {
        var out = a
        for i in out.storage.indices { out.storage[i] += b.storage[i] }
        return out
    }

    private static func update(_ network: inout Sequential, with adam: inout Adam, gradients: [Matrix]) {
        let rate = adam.beginStep()
        var values = network.parameters.map(\.value)
        for slot in values.indices { adam.update(&values[slot], gradient: gradients[slot], slot: slot, rate: rate) }
        network.setParameters(values)
    }

    /// `average ← decay · average + (1 − decay) · weights`; the statistics are copied.
    /// The decay ramps up as (1 + t) / (10 + t) after G's t-th update, to `ema_decay`
    /// (TensorFlow's `ExponentialMovingAverage` with `num_updates`): at 0.999 from the
    /// first step, a 4,000-image set's 1,400 steps of 10 minutes would leave a quarter of
    /// the average on the initial weights (measured: `fd` 311 after 400 steps).
    private mutating func updateAverage() {
        guard var average = averagedGenerator else { return }
        averagedGenerator = nil
        let t = Float(generatorOptimizer.step)
        let decay = min(config.emaDecay, (1 + t) / (10 + t)), keep = 1 - decay
        var values = average.parameters.map(\.value)
        for (slot, current) in generator.parameters.map(\.value).enumerated() {
            values[slot].storage.withUnsafeMutableBufferPointer { average in
                current.storage.withUnsafeBufferPointer { current in
                    for i in average.indices { average[i] = decay * average[i] + keep * current[i] }
                }
            }
        }
        average.setParameters(values)
        average.setBuffers(generator.buffers.map(\.value))
        averagedGenerator = average
    }

    public mutating func extend(toEpochs epochs: Int) {
        precondition(epochs >= epochsCompleted, "\(epochs) epochs is fewer than the \(epochsCompleted) already trained")
        config.epochs = epochs
    }

    public func stepsPerEpoch(imageCount count: Int) -> Int { count / config.batchSize }

    /// One epoch, as `GANTrainer.trainEpoch`: shuffle, then `floor(n / batch)` steps with
    /// fresh uniform noise; a stop asked for mid-epoch puts the trainer back as it was.
    /// `exclusive` says how many threads the step's products may use.
    public mutating func trainEpoch(
        on images: TrainingImages,
        labels: [UInt8]? = nil,
        shouldStop: () -> Bool = { false },
        exclusive: (_ step: (_ lanes: Int) -> Void) -> Void = { $0(1) },
        afterStep: (_ step: Int, _ steps: Int) -> Void = { _, _ in }
    ) -> EpochLosses? {
        precondition(images.pixelsPerImage == TrainingConfig.imagePixels, "images must be 28x28")
        let steps = stepsPerEpoch(imageCount: images.count)
        precondition(steps > 0, "the training set (\(images.count) images) is smaller than one batch (\(config.batchSize))")
        precondition(!config.conditional || labels?.count == images.count, "a conditional model trains on labelled images")
        let before = self
        let start = DispatchTime.now().uptimeNanoseconds
        var record = EpochLosses(epoch: epochsCompleted + 1)
        var order = Array(0..<images.count)
        rng.shuffle(&order)
        let batch = config.batchSize
        var real = Matrix(rows: batch, columns: TrainingConfig.imagePixels)
        var noise = Matrix(rows: batch, columns: config.zSize)
        for s in 0..<steps {
            if shouldStop() {
                self = before
                return nil
            }
            let indices = order[(s * batch)..<((s + 1) * batch)]
            images.fill(&real, indices: indices)
            noise.storage.withUnsafeMutableBufferPointer { rng.fillSymmetricUniform($0) }
            var stepLabels: (real: [Int], fake: [Int])?
            if let labels, config.conditional {
                let fake = (0..<batch).map { _ in rng.nextIndex(below: TrainingConfig.labelCount) }
                stepLabels = (indices.map { Int(labels[$0]) }, fake)
            }
            exclusive { lanes in
                // The products (in fixed tiles, Matrix.multiplyInTiles) and the passes
                // between them split over the lanes, in ways that keep the bits; OpenBLAS's
                // own threads stay at one.
                ParallelRanges.$threads.withValue(lanes) {
                    record.add(step(real: real, noise: noise, labels: stepLabels))
                }
            }
            afterStep(s + 1, steps)
        }
        record.finishMean()
        record.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        epochsCompleted += 1
        return record
    }

    /// Floating-point operations of one step's products (2 per multiply-add): G forward
    /// and backward (input and weight gradients), D forward on three batches, D's input
    /// and weight gradients on two and its input gradient on the third.
    public var flopsPerStep: Int {
        let b = config.batchSize, g = architecture.generatorForwardMACs, d = architecture.discriminatorForwardMACs
        // Less the first layers' input gradients: G's, and D's in its own update.
        let skipped = architecture.generatorFirstLayerMACs + 2 * architecture.discriminatorFirstLayerMACs
        return 2 * b * (3 * g + 3 * d + 2 * 2 * d + d - skipped)
    }
}
