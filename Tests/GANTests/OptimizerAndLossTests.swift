import Foundation
import GAN
import Linalg
import Testing

@Suite struct OptimizerAndLossTests {
    /// Two TF1 Adam steps on w = 1 with g = 0.5 then -0.25, lr 0.002; the expected
    /// values were worked out by hand and confirmed with numpy (docs/testing.md).
    @Test func adamMatchesHandComputedSteps() {
        var adam = Adam(learningRate: 0.002, shapes: [(1, 1)])
        var w = Matrix(rows: 1, columns: 1, repeating: 1)
        var rate = adam.beginStep()
        #expect(abs(Double(rate) - 0.002 * (1 - 0.999).squareRoot() / (1 - 0.9)) < 1e-8)
        adam.update(&w, gradient: Matrix(rows: 1, columns: 1, repeating: 0.5), slot: 0, rate: rate)
        #expect(abs(Double(w[0, 0]) - 0.9980000012649103) < 1e-6)
        #expect(abs(adam.firstMoments[0][0, 0] - 0.05) < 1e-7)
        #expect(abs(adam.secondMoments[0][0, 0] - 0.00025) < 1e-8)
        rate = adam.beginStep()
        adam.update(&w, gradient: Matrix(rows: 1, columns: 1, repeating: -0.25), slot: 0, rate: rate)
        #expect(abs(Double(w[0, 0]) - 0.9974673274870359) < 1e-6)
        #expect(adam.step == 2)
    }

    /// Values from numpy: max(x,0) - x z + log1p(exp(-|x|)).
    @Test(arguments: [
        (Float(2.0), Float(0.9), 0.3269280110429724),
        (-3.0, 0.0, 0.04858735157374206),
        (0.5, 1.0, 0.4740769841801067),
        (40.0, 0.0, 40.0),
        (-40.0, 0.9, 36.0),
    ])
    func sigmoidCrossEntropyMatchesNumpy(logit: Float, label: Float, expected: Double) {
        let value = Double(SigmoidCrossEntropy.loss(logit: logit, label: label))
        #expect(abs(value - expected) <= 1e-6 * max(1, abs(expected)))
    }

    @Test func sigmoidIsStableAtTheExtremes() {
        #expect(SigmoidCrossEntropy.sigmoid(-200) == 0)
        #expect(SigmoidCrossEntropy.sigmoid(200) == 1)
        #expect(abs(SigmoidCrossEntropy.sigmoid(0) - 0.5) < 1e-7)
    }

    @Test func glorotUniformStaysWithinItsLimitAndBiasIsZero() {
        var rng = Xoshiro256StarStar(seed: 3)
        let layer = Dense(inputs: 784, outputs: 128, rng: &rng)
        let limit = (6.0 / Float(784 + 128)).squareRoot()
        #expect(layer.weight.storage.allSatisfy { abs($0) <= limit })
        #expect(layer.weight.storage.map(abs).max()! > limit * 0.99)
        #expect(layer.bias.storage.allSatisfy { $0 == 0 })
        let mean = layer.weight.storage.reduce(0, +) / Float(layer.weight.count)
        #expect(abs(mean) < limit * 0.02)
    }

    @Test func configRangesAreEnforced() throws {
        try TrainingConfig().validate()
        var c = TrainingConfig(); c.epochs = 0
        #expect(throws: TrainingConfigError.self) { try c.validate() }
        c = TrainingConfig(); c.smooth = 0.5
        #expect { try c.validate() } throws: { ($0 as? TrainingConfigError)?.field == "smooth" }
        c = TrainingConfig(); c.learningRate = .nan
        #expect { try c.validate() } throws: { ($0 as? TrainingConfigError)?.field == "learning_rate" }
        c = TrainingConfig(); c.gHidden = 4097
        #expect { try c.validate() } throws: { ($0 as? TrainingConfigError)?.field == "g_hidden" }
    }
}
