import Layers
import Linalg
import Testing

@Suite struct BatchNormTests {
    static func layer(mode: BatchNorm.Mode) -> BatchNorm {
        var norm = BatchNorm(shape: TensorShape(channels: 3, height: 2, width: 2))
        norm.setParameters([Matrix(rows: 1, columns: 3, storage: [0.5, -1.5, 2]), Matrix(rows: 1, columns: 3, storage: [0.1, 0, -0.3])])
        norm.runningMean = Matrix(rows: 1, columns: 3, storage: [0.2, -0.1, 0])
        norm.runningVariance = Matrix(rows: 1, columns: 3, storage: [0.8, 1.2, 0.5])
        norm.mode = mode
        return norm
    }

    @Test(arguments: [BatchNorm.Mode.training, .inference])
    func gradientsMatchFiniteDifferences(mode: BatchNorm.Mode) {
        let norm = Self.layer(mode: mode)
        let input = FiniteDifference.random(rows: 3, columns: norm.inputShape.count, seed: 17)
        let worst = FiniteDifference.worstRelativeError(norm, input: input, seed: 18, h: 1e-2)
        #expect(worst < 5e-3, "\(mode): worst relative error \(worst)")
    }

    /// Two values a channel, 1 and 3: mean 2, biased variance 1, so ±1/√(1 + ε); the
    /// running statistics move a tenth of the way, the variance unbiased (2).
    @Test func trainingNormalisesByTheBatchAndMovesTheRunningStatistics() {
        var norm = BatchNorm(shape: .vector(1))
        let (output, cache) = norm.forward(Matrix(rows: 2, columns: 1, storage: [1, 3]))
        let expected = 1 / (1 + Float(1e-5)).squareRoot()
        #expect(abs(output.storage[0] + expected) < 1e-6 && abs(output.storage[1] - expected) < 1e-6, "\(output.storage)")
        norm.updateRunningStatistics(from: cache)
        #expect(abs(norm.runningMean.storage[0] - 0.2) < 1e-6)
        #expect(abs(norm.runningVariance.storage[0] - (0.9 + 0.1 * 2)) < 1e-6)
        norm.mode = .inference
        let (inferred, _) = norm.forward(Matrix(rows: 1, columns: 1, storage: [1.2]))
        #expect(abs(inferred.storage[0] - (1.2 - 0.2) / (1.1 + Float(1e-5)).squareRoot()) < 1e-6)
    }
}
