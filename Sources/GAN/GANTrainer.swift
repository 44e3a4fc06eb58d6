import Foundation
import Linalg

/// Trains the notebook's GAN: one step is its two `sess.run` calls, one epoch a
/// shuffled pass over the training set.
///
/// All buffers a step touches are allocated once, here; a step allocates nothing.
public struct GANTrainer: Sendable {
    public private(set) var config: TrainingConfig
    public internal(set) var generator: Generator
    public internal(set) var discriminator: Discriminator
    /// The exponential moving average of the generator's weights (`config.emaDecay`),
    /// updated after every step; nil when the average is off.
    public internal(set) var averagedGenerator: Generator?
    public internal(set) var generatorOptimizer: Adam
    public internal(set) var discriminatorOptimizer: Adam
    /// Draws the initial weights, each epoch's shuffle and every step's noise.
    public internal(set) var rng: Xoshiro256StarStar
    public internal(set) var epochsCompleted: Int
    var workspace: TrainingWorkspace
    /// The threads a step runs on; never saved. Copied on write like the matrices, so
    /// copies of a trainer are independent values: a copy that trains while another
    /// still holds the same threads starts threads of its own (`snapshot()` makes a copy
    /// that holds none, so the trainer it came from keeps its threads).
    private var threads = StepThreads()

    /// A fresh model, initialised from `config.seed`.
    public init(config: TrainingConfig) {
        var rng = Xoshiro256StarStar(seed: config.seed)
        let labels = config.conditional ? TrainingConfig.labelCount : 0
        let generator = Generator(zSize: config.zSize, hiddenUnits: config.gHidden, alpha: config.alpha, labels: labels, rng: &rng)
        let discriminator = Discriminator(hiddenUnits: config.dHidden, alpha: config.alpha, labels: labels, rng: &rng)
        self.init(config: config, generator: generator, discriminator: discriminator,
                  generatorOptimizer: Self.adam(for: config, generator: generator),
                  discriminatorOptimizer: Self.adam(for: config, discriminator: discriminator),
                  rng: rng, epochsCompleted: 0)
    }

    /// A model restored from saved state (a checkpoint).
    public init(config: TrainingConfig, generator: Generator, discriminator: Discriminator,
                generatorOptimizer: Adam, discriminatorOptimizer: Adam,
                rng: Xoshiro256StarStar, epochsCompleted: Int, averagedGenerator: Generator? = nil) {
        self.config = config
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.rng = rng
        self.epochsCompleted = epochsCompleted
        self.averagedGenerator = config.emaDecay > 0 ? averagedGenerator ?? generator : nil
        self.workspace = TrainingWorkspace(config: config)
    }

    /// The generator samples and scores come from: the averaged one when the average is
    /// on, else the trained one.
    public var samplingGenerator: Generator { averagedGenerator ?? generator }

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
    /// A conditional model needs the labels of the real rows and of the digits G is asked for.
    public mutating func step(real: Matrix, noise: Matrix, labels: (real: [Int], fake: [Int])? = nil, lanes: Int = 1) -> StepLosses {
        let batch = config.batchSize, pixels = TrainingConfig.imagePixels, z = config.zSize
        precondition(real.rows == batch && real.columns == pixels, "real batch must be \(batch)x784")
        precondition(noise.rows == batch && noise.columns == z, "noise must be \(batch)x\(z)")
        precondition(config.conditional == (labels != nil), "labels go with a conditional model, and only with one")
        workspace.withBlocks { work in
            real.withBlock { work[.discriminatorInput].rows(0..<batch).columns(0..<pixels).copy(from: $0) }
            noise.withBlock { work[.noise].columns(0..<z).copy(from: $0) }
            if let labels { Self.writeLabels(work, batch: batch, zSize: z, real: { labels.real[$0] }, fake: { labels.fake[$0] }) }
        }
        return runStep(lanes: lanes, drawing: nil, indices: [])
    }

    /// A conditional step's label inputs: the fake digits' one-hots beside G's noise and
    /// beside the fake half of D's input, the real digits' beside the real half.
    static func writeLabels(_ work: TrainingWorkspace.Blocks, batch: Int, zSize: Int, real: (Int) -> Int, fake: (Int) -> Int) {
        let labels = (TrainingConfig.imagePixels)..<(TrainingConfig.imagePixels + TrainingConfig.labelCount)
        LabelInput.write(into: work[.noise].columns(zSize..<(zSize + TrainingConfig.labelCount)), label: fake)
        LabelInput.write(into: work[.discriminatorInput].rows(0..<batch).columns(labels), label: real)
        LabelInput.write(into: work[.discriminatorInput].rows(batch..<(2 * batch)).columns(labels), label: fake)
    }

    /// The step on the staged noise, drawing the real rows `indices` of `images` (or
    /// using the staged real rows when `images` is nil), split across `lanes` threads.
    mutating func runStep(lanes: Int, drawing images: TrainingImages?, indices: ArraySlice<Int>) -> StepLosses {
        if !isKnownUniquelyReferenced(&threads) { threads = StepThreads() }
        let group = threads.group(lanes), phases = threads.phases
        let dRate = discriminatorOptimizer.beginStep(), gRate = generatorOptimizer.beginStep()
        let gRule = generatorOptimizer.rule, dRule = discriminatorOptimizer.rule
        let batch = config.batchSize, alpha = config.alpha, smooth = config.smooth, dropoutRate = config.dDropout
        // Drawn only when dropout is on, so a model without it draws what it always drew.
        let maskKeys = dropoutRate > 0 ? (rng.next(), rng.next()) : (UInt64(0), UInt64(0))
        defer { updateAverage() }
        return generator.withBlocks { g in
            discriminator.withBlocks { d in
                generatorOptimizer.withMomentBlocks { gFirst, gSecond in
                    discriminatorOptimizer.withMomentBlocks { dFirst, dSecond in
                        workspace.withBlocks { work in
                            indices.withUnsafeBufferPointer { indices in
                                phases.step = TrainingStep(
                                    generator: g, discriminator: d, generatorMoments: (gFirst, gSecond),
                                    discriminatorMoments: (dFirst, dSecond), generatorAdam: gRule, discriminatorAdam: dRule, generatorRate: gRate,
                                    discriminatorRate: dRate, work: work, batch: batch, alpha: alpha, smooth: smooth,
                                    dropoutRate: dropoutRate, discriminatorMaskKey: maskKeys.0, generatorMaskKey: maskKeys.1,
                                    images: images, indices: indices)
                                defer { phases.step = nil }
                                func run(_ phase: TrainingPhases.Phase) {
                                    phases.phase = phase
                                    group.run(phases)
                                }
                                run(.discriminatorForward)
                                run(.discriminatorUpdate)
                                run(.generatorBackward)
                                run(.generatorUpdate)
                                return phases.step!.losses()
                            }
                        }
                    }
                }
            }
        }
    }

    /// `average ← decay · average + (1 − decay) · weights`, for each of the generator's tensors.
    private mutating func updateAverage() {
        guard var average = averagedGenerator else { return }
        averagedGenerator = nil  // so `average` holds the only reference, and is updated in place
        let decay = config.emaDecay
        Dense.blend(&average.hidden, toward: generator.hidden, keeping: decay)
        Dense.blend(&average.output, toward: generator.output, keeping: decay)
        averagedGenerator = average
    }

    /// Sets the run's length to `epochs` in all, as a resume that extends a run does;
    /// nothing else changes.
    public mutating func extend(toEpochs epochs: Int) {
        precondition(epochs >= epochsCompleted, "\(epochs) epochs is fewer than the \(epochsCompleted) already trained")
        config.epochs = epochs
    }

    /// A copy to read from (sample, save) while this trainer goes on training: it
    /// holds no threads, so the next step here does not start new ones.
    public func snapshot() -> GANTrainer {
        var copy = self
        copy.threads = StepThreads()
        return copy
    }

    /// Steps in one epoch over `count` images: the last partial batch is dropped, as the notebook does.
    public func stepsPerEpoch(imageCount count: Int) -> Int { count / config.batchSize }

    /// Trains one epoch: shuffle, then `floor(n / batch)` steps, each with fresh uniform noise.
    ///
    /// `shouldStop` is asked before every step; when it says stop, the trainer is put
    /// back exactly as it was before the epoch (the state of the last checkpoint) and
    /// `nil` is returned, so an interrupted epoch never leaves half-trained weights.
    /// `exclusive` wraps each step's matrix products, e.g. in a lock that other BLAS
    /// users take too, and says how many lanes (threads) the step is split across.
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
        let before = snapshot()  // not a plain copy: that would share, and so restart, the step threads
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
            let indices = workspace.order[(s * batch)..<((s + 1) * batch)]
            let z = config.zSize
            workspace.withBlocks { work in
                let noise = work[.noise]
                guard config.conditional else {
                    return rng.fillSymmetricUniform(UnsafeMutableBufferPointer(start: noise.base, count: noise.rows * noise.columns))
                }
                for r in 0..<batch { rng.fillSymmetricUniform(UnsafeMutableBufferPointer(start: noise.row(r), count: z)) }
            }
            if let labels, config.conditional {
                // Drawn into the workspace's buffer: a step allocates nothing.
                for r in 0..<batch { workspace.fakeLabels[r] = rng.nextIndex(below: TrainingConfig.labelCount) }
                let fake = workspace.fakeLabels
                workspace.withBlocks { work in
                    Self.writeLabels(work, batch: batch, zSize: z, real: { Int(labels[indices[indices.startIndex + $0]]) }, fake: { fake[$0] })
                }
            }
            exclusive { lanes in record.add(runStep(lanes: lanes, drawing: images, indices: indices)) }
            afterStep(s + 1, steps)
        }
        record.finishMean()
        record.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        epochsCompleted += 1
        return record
    }

    /// Floating-point operations of the matrix products in one step (2 per multiply-add).
    public var flopsPerStep: Int {
        let b = config.batchSize, z = config.generatorInputs, g = config.gHidden, d = config.dHidden
        let p = TrainingConfig.imagePixels, x = config.discriminatorInputs
        let generatorForward = 2 * b * (z * g + g * p)
        let discriminatorBoth = 2 * (2 * b) * (x * d + d) // forward on real and fake
            + 2 * (2 * b) * (d + d) + 2 * (2 * b) * x * d  // output layer gradients, dW1
        let discriminatorFake = 2 * b * (x * d + d) + 2 * b * d + 2 * b * d * p // forward, dx
        let generatorBackward = 2 * b * (g * p + p * g + z * g)
        return generatorForward + discriminatorBoth + discriminatorFake + generatorBackward
    }
}
