import Foundation
import Linalg
import Testing
import GAN

/// The label as an input: gradients of the weights that read it, against finite
/// differences; the checkpoint of a conditional model; and the agreement score.
@Suite struct ConditionalTests {
    /// D's update with [image | one-hot] input: the label rows of its hidden weight get
    /// the gradient the finite differences say (only the row of each example's label moves it).
    @Test func discriminatorLabelWeightsMatchFiniteDifferences() {
        let alpha: Float = 0.01, smooth: Float = 0.1, batch = 3, units = 5
        var rng = Xoshiro256StarStar(seed: 81)
        var discriminator = Discriminator(hiddenUnits: units, alpha: alpha, labels: 10, rng: &rng)
        discriminator.hidden.bias = randomMatrix(rows: 1, columns: units, scale: 0.1, seed: 82)
        let labels = [3, 7, 3, 0, 9, 7]
        let input = LabelInput.appending(labels, classes: 10, to: randomMatrix(rows: 2 * batch, columns: 784, seed: 83))
        var a = Discriminator.Activations(batch: 2 * batch, hiddenUnits: units)
        discriminator.forward(input, into: &a)
        var logitGradient = Matrix(rows: 2 * batch, columns: 1)
        for r in 0..<(2 * batch) {
            logitGradient[r, 0] = (SigmoidCrossEntropy.sigmoid(a.logits[r, 0]) - (r < batch ? 1 - smooth : 0)) / Float(batch)
        }
        var dHidden = Matrix(rows: 2 * batch, columns: units)
        discriminator.backward(input: input, activations: a, logitGradient: logitGradient, hiddenGradient: &dHidden)

        let x = Reference.matrix(input)
        func dLoss(_ h: Reference.Weights) -> Double {
            let o = Reference.weights(discriminator.output)
            let logits = Reference.discriminatorLogits(x, hidden: h, output: o, alpha: Double(alpha))
            return Reference.meanLoss(Array(logits[0..<batch]), label: Double(1 - smooth)) + Reference.meanLoss(Array(logits[batch...]), label: 0)
        }
        let h = Reference.weights(discriminator.hidden)
        for label in 0..<10 { for j in 0..<units {
            let i = 784 + label
            let numeric = Reference.derivative(at: h.w[i][j]) { v in var q = h; q.w[i][j] = v; return dLoss(q) }
            #expect(close(Double(discriminator.hidden.weightGradient[i, j]), numeric), "D label \(label) dW[\(i),\(j)]")
            if !labels.contains(label) { #expect(discriminator.hidden.weightGradient[i, j] == 0) }
        } }
    }

    /// G's update through D with [z | one-hot] input: the label rows of G's hidden weight.
    @Test func generatorLabelWeightsMatchFiniteDifferences() {
        let alpha: Float = 0.01, batch = 3, z = 4, units = 6
        var rng = Xoshiro256StarStar(seed: 91)
        var generator = Generator(zSize: z, hiddenUnits: units, alpha: alpha, labels: 10, rng: &rng)
        let discriminator = Discriminator(hiddenUnits: 4, alpha: alpha, labels: 10, rng: &rng)
        let labels = [2, 5, 2]
        let noise = LabelInput.appending(labels, classes: 10, to: randomMatrix(rows: batch, columns: z, seed: 92))
        #expect(generator.zSize == z && generator.isConditional)

        var ga = Generator.Activations(batch: batch, hiddenUnits: units)
        generator.forward(noise: noise, into: &ga)
        let dInput = LabelInput.appending(labels, classes: 10, to: ga.image)
        var da = Discriminator.Activations(batch: batch, hiddenUnits: 4)
        discriminator.forward(dInput, into: &da)
        let (_, logitGradient) = sigmoidLoss(da.logits, label: 1)
        var dHidden = Matrix(rows: batch, columns: 4), inputGradient = Matrix(rows: batch, columns: 794)
        discriminator.inputGradient(activations: da, logitGradient: logitGradient, hiddenGradient: &dHidden, into: &inputGradient)
        var imageGradient = leadingColumns(inputGradient, 784), gHidden = Matrix(rows: batch, columns: units)
        generator.backward(noise: noise, activations: ga, imageGradient: &imageGradient, hiddenGradient: &gHidden)

        let zd = Reference.matrix(noise), o = Reference.weights(generator.output)
        let dh = Reference.weights(discriminator.hidden), dout = Reference.weights(discriminator.output)
        func gLoss(_ h: Reference.Weights) -> Double {
            let images = Reference.generator(zd, hidden: h, output: o, alpha: Double(alpha))
            let withLabels = zip(images, labels).map { image, label in image + (0..<10).map { $0 == label ? 1.0 : 0 } }
            return Reference.meanLoss(Reference.discriminatorLogits(withLabels, hidden: dh, output: dout, alpha: Double(alpha)), label: 1)
        }
        let h = Reference.weights(generator.hidden)
        for label in [2, 5, 8] { for j in 0..<units {
            let i = z + label
            let numeric = Reference.derivative(at: h.w[i][j]) { v in var q = h; q.w[i][j] = v; return gLoss(q) }
            #expect(close(Double(generator.hidden.weightGradient[i, j]), numeric), "G label \(label) dW[\(i),\(j)]")
        } }
    }

    @Test func aConditionalCheckpointRoundTripsAndSamplesByDigit() throws {
        var config = TrainingConfig()
        config.batchSize = 10; config.gHidden = 16; config.dHidden = 12; config.zSize = 8; config.seed = 6; config.epochs = 5
        config.conditional = true
        var trainer = GANTrainer(config: config)
        let digits = LabeledDigits.synthetic(count: 50, seed: 9)
        _ = trainer.trainEpoch(on: digits.images, labels: digits.labels)
        #expect(trainer.generator.hidden.inputs == 18 && trainer.discriminator.hidden.inputs == 794)
        let (restored, _) = try Checkpoint.decodeMLP(Checkpoint.encode(trainer))
        #expect(restored.config.conditional && restored.generator == trainer.generator && restored.discriminator == trainer.discriminator)
        let (sampler, _) = try Checkpoint.decodeMLP(Checkpoint.encode(trainer, kind: .generatorOnly))
        let noise = Generator.noise(count: 6, zSize: 8, seed: 1)
        let sevens = sampler.samplingGenerator.generate(noise: noise, labels: Array(repeating: 7, count: 6))
        #expect(sevens == trainer.samplingGenerator.generate(noise: noise, labels: Array(repeating: 7, count: 6)))
        #expect(sevens != sampler.samplingGenerator.generate(noise: noise, labels: Array(repeating: 1, count: 6)), "the label changes the digit")
        // Without labels: every digit in turn.
        #expect(sampler.samplingGenerator.generate(noise: noise) == sampler.samplingGenerator.generate(noise: noise, labels: [0, 1, 2, 3, 4, 5]))
    }

    @Test func agreementIsTheShareWhoseLikeliestClassWasAskedFor() {
        let probabilities = Matrix(rows: 4, columns: 3, storage: [0.7, 0.2, 0.1,  0.1, 0.3, 0.6,  0.3, 0.4, 0.3,  0.5, 0.25, 0.25])
        #expect(QualityScores.agreement(probabilities, labels: [0, 2, 1, 1]) == 0.75)
        #expect(QualityScores.agreement(probabilities, labels: [1, 1, 0, 2]) == 0)
    }
}
