import GAN
import Linalg
import Testing

/// The training step as it runs (split into lanes, on blocks) against the layer
/// functions the gradient checks cover, and against itself on other lane counts.
@Suite(.serialized) struct LaneStepTests {
    /// Odd sizes, so shares are uneven and vector loops have tails; 60 rows, so two and
    /// three lanes split the batch (at 24 rows).
    static func config(seed: UInt64 = 5) -> TrainingConfig {
        var c = TrainingConfig()
        c.batchSize = 60
        c.zSize = 7
        c.gHidden = 24
        c.dHidden = 20
        c.seed = seed
        return c
    }

    /// On the core this process loaded; `BLASCoreTests` runs the same check under every
    /// core in child processes.
    @Test func oneTwoAndThreeLanesGiveTheSameBits() {
        BLASThreads.set(1)
        for (name, config) in LaneAgreement.models {
            let outcome = LaneAgreement.check(config: config, model: name)
            #expect(outcome.agrees, "\(name) model: lanes \(outcome.differing) differ from one lane")
        }
        // And the default model's shapes, one step of each.
        var a = GANTrainer(config: TrainingConfig()), b = a
        let real = randomMatrix(rows: 100, columns: 784, seed: 8), noise = randomMatrix(rows: 100, columns: 100, seed: 9)
        #expect(a.step(real: real, noise: noise, lanes: 1) == b.step(real: real, noise: noise, lanes: 2))
        #expect(a.generator == b.generator && a.discriminator == b.discriminator)
    }

    /// Copies of a trainer are independent values: two copies of one that has started
    /// its lane threads train at the same time, two lanes each, and both end with the
    /// weights of a third trained alone on one lane. (Sharing the first's threads, the
    /// two would hand each other's steps to the same lanes.)
    @Test func copiesOfATrainerTrainAtTheSameTime() async {
        BLASThreads.set(1)
        let config = Self.config(seed: 21), b = config.batchSize
        let real = randomMatrix(rows: b, columns: 784, seed: 22), noise = randomMatrix(rows: b, columns: config.zSize, seed: 23)
        var started = GANTrainer(config: config)
        _ = started.step(real: real, noise: noise, lanes: 2)
        let original = started
        @Sendable func trained(lanes: Int) -> GANTrainer {
            var trainer = original
            for _ in 0..<20 { _ = trainer.step(real: real, noise: noise, lanes: lanes) }
            return trainer
        }
        async let first = trained(lanes: 2)
        async let second = trained(lanes: 2)
        let alone = trained(lanes: 1)
        let (a, c) = await (first, second)
        #expect(a.generator == alone.generator && a.discriminator == alone.discriminator)
        #expect(c.generator == alone.generator && c.discriminator == alone.discriminator)
    }

    /// One step equals the notebook's two updates written with the layer functions
    /// (the ones the finite-difference tests check) and `Adam.update`; with dropout in D
    /// (the masks' keys drawn from the trainer's generator, as the step draws them) and
    /// the generator's average moved by one blend; and conditional, the label one-hots
    /// beside G's noise and D's images.
    @Test(arguments: [(1, Float(0), false), (2, 0, false), (3, 0, false), (1, 0.3, false), (2, 0.3, false), (3, 0.3, false),
                      (1, 0.3, true), (3, 0.3, true)])
    func aStepIsTheLayerFunctionsComposed(lanes: Int, dropout: Float, conditional: Bool) {
        BLASThreads.set(1)
        var config = Self.config(seed: 11)
        config.dDropout = dropout
        config.emaDecay = dropout > 0 ? 0.9 : 0
        config.conditional = conditional
        let b = config.batchSize
        var trainer = GANTrainer(config: config)
        var g = trainer.generator, d = trainer.discriminator
        var gAdam = trainer.generatorOptimizer, dAdam = trainer.discriminatorOptimizer
        var keys = trainer.rng
        let masks: (Discriminator.DropoutMask?, Discriminator.DropoutMask?) = dropout > 0
            ? ((keys.next(), dropout), (keys.next(), dropout)) : (nil, nil)
        let real = randomMatrix(rows: b, columns: 784, seed: 12), noise = randomMatrix(rows: b, columns: config.zSize, seed: 13)
        let labels = conditional ? (real: (0..<b).map { ($0 * 7) % 10 }, fake: (0..<b).map { ($0 * 3 + 1) % 10 }) : nil
        let losses = trainer.step(real: real, noise: noise, labels: labels, lanes: lanes)
        /// `m` with the label one-hots beside it when conditional.
        func labelled(_ m: Matrix, _ digits: [Int]?) -> Matrix { digits.map { LabelInput.appending($0, classes: 10, to: m) } ?? m }
        let gInput = labelled(noise, labels?.fake)

        // The discriminator's update on real rows (label 1 - smooth) and G(z) (label 0).
        var ga = Generator.Activations(batch: b, hiddenUnits: config.gHidden)
        g.forward(noise: gInput, into: &ga)
        var input = Matrix(rows: 2 * b, columns: config.discriminatorInputs)
        input.copyRows(from: labelled(real, labels?.real), toRow: 0)
        input.copyRows(from: labelled(ga.image, labels?.fake), toRow: b)
        var da = Discriminator.Activations(batch: 2 * b, hiddenUnits: config.dHidden)
        d.forward(input, into: &da, dropout: masks.0)
        var logitGradient = Matrix(rows: 2 * b, columns: 1)
        var realLoss = 0.0, fakeLoss = 0.0
        for r in 0..<(2 * b) {
            let label: Float = r < b ? 1 - config.smooth : 0
            logitGradient[r, 0] = (SigmoidCrossEntropy.sigmoid(da.logits[r, 0]) - label) / Float(b)
            let loss = Double(SigmoidCrossEntropy.loss(logit: da.logits[r, 0], label: label)) / Double(b)
            if r < b { realLoss += loss } else { fakeLoss += loss }
        }
        var dHidden = Matrix(rows: 2 * b, columns: config.dHidden)
        d.backward(input: input, activations: da, logitGradient: logitGradient, hiddenGradient: &dHidden, dropout: masks.0)
        expectSameGradients([trainer.discriminator.hidden, trainer.discriminator.output], [d.hidden, d.output], "D")
        update(&dAdam, &d.hidden, &d.output)

        // The generator's update on the same z, against the updated discriminator (label 1).
        var fa = Discriminator.Activations(batch: b, hiddenUnits: config.dHidden)
        d.forward(labelled(ga.image, labels?.fake), into: &fa, dropout: masks.1)
        var fakeGradient = Matrix(rows: b, columns: 1)
        var generatorLoss = 0.0
        for r in 0..<b {
            fakeGradient[r, 0] = (SigmoidCrossEntropy.sigmoid(fa.logits[r, 0]) - 1) / Float(b)
            generatorLoss += Double(SigmoidCrossEntropy.loss(logit: fa.logits[r, 0], label: 1)) / Double(b)
        }
        var fHidden = Matrix(rows: b, columns: config.dHidden), inputGradient = Matrix(rows: b, columns: config.discriminatorInputs)
        var gHidden = Matrix(rows: b, columns: config.gHidden)
        d.inputGradient(activations: fa, logitGradient: fakeGradient, hiddenGradient: &fHidden, into: &inputGradient, dropout: masks.1)
        // The image's part of D's input gradient (the labels are constants).
        var imageGradient = leadingColumns(inputGradient, 784)
        g.backward(noise: gInput, activations: ga, imageGradient: &imageGradient, hiddenGradient: &gHidden)
        expectSameGradients([trainer.generator.hidden, trainer.generator.output], [g.hidden, g.output], "G")
        update(&gAdam, &g.hidden, &g.output)

        for (mine, theirs, name) in [(trainer.generator.hidden.weight, g.hidden.weight, "G W1"), (trainer.generator.output.weight, g.output.weight, "G W2"),
                                     (trainer.generator.output.bias, g.output.bias, "G b2"), (trainer.discriminator.hidden.weight, d.hidden.weight, "D W1"),
                                     (trainer.discriminator.output.weight, d.output.weight, "D W2"), (trainer.discriminator.output.bias, d.output.bias, "D b2")] {
            let worst = zip(mine.storage, theirs.storage).map { abs($0 - $1) }.max() ?? 0
            // The layer functions multiply whole matrices, the step lanes' shares: a few ulps
            // apart on some kernels, which Adam's division by √v can lift to ~1e-6; a wrong
            // gradient moves a weight by the learning rate, 2e-3.
            #expect(worst <= 1e-5, "\(name) after the step differs by \(worst)")
        }
        #expect(abs(Double(losses.dLossReal) - realLoss) < 1e-6 && abs(Double(losses.dLossFake) - fakeLoss) < 1e-6)
        #expect(abs(Double(losses.gLoss) - generatorLoss) < 1e-6)
        // The average: one blend of the initial weights toward the updated ones.
        if config.emaDecay > 0 {
            var average = GANTrainer(config: config).generator
            Dense.blend(&average.hidden, toward: trainer.generator.hidden, keeping: config.emaDecay)
            Dense.blend(&average.output, toward: trainer.generator.output, keeping: config.emaDecay)
            #expect(trainer.averagedGenerator == average && trainer.samplingGenerator == average)
        } else {
            #expect(trainer.averagedGenerator == nil && trainer.samplingGenerator == trainer.generator)
        }
    }

    /// One Adam update of a network's four tensors, in the trainer's slot order.
    func update(_ adam: inout Adam, _ hidden: inout Dense, _ output: inout Dense) {
        let rate = adam.beginStep()
        adam.update(&hidden.weight, gradient: hidden.weightGradient, slot: 0, rate: rate)
        adam.update(&hidden.bias, gradient: hidden.biasGradient, slot: 1, rate: rate)
        adam.update(&output.weight, gradient: output.weightGradient, slot: 2, rate: rate)
        adam.update(&output.bias, gradient: output.biasGradient, slot: 3, rate: rate)
    }

    /// Both layers' weight and bias gradients, the trainer's against the layer functions'.
    func expectSameGradients(_ mine: [Dense], _ theirs: [Dense], _ net: String) {
        for (layer, (a, b)) in zip(["hidden", "output"], zip(mine, theirs)) {
            expectClose(a.weightGradient, b.weightGradient, "\(net) \(layer) dW")
            expectClose(a.biasGradient, b.biasGradient, "\(net) \(layer) db")
        }
    }

    /// Gradients agree to float rounding: within 1e-4 of the tensor's largest entry.
    func expectClose(_ mine: Matrix, _ theirs: Matrix, _ name: String) {
        let scale = theirs.storage.map { abs($0) }.max() ?? 0
        let worst = zip(mine.storage, theirs.storage).map { abs($0 - $1) }.max() ?? 0
        #expect(scale > 0, "\(name) is all zeros")
        #expect(worst <= 1e-4 * scale, "\(name): worst difference \(worst) against largest entry \(scale)")
    }
}
