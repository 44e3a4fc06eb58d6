import Layers
import Linalg
import Testing

@Suite struct LinearTests {
    @Test func gradientsMatchFiniteDifferences() {
        var rng = Xoshiro256StarStar(seed: 31)
        let layer = Linear(inputs: 7, outputs: 5, rng: &rng)
        let input = FiniteDifference.random(rows: 4, columns: 7, seed: 32)
        let worst = FiniteDifference.worstRelativeError(layer, input: input, seed: 33)
        #expect(worst < 2e-3, "worst relative error \(worst)")
    }

    /// y = x Wᵀ + b worked by hand: W is outputs × inputs, as `nn.Linear.weight`.
    @Test func computesXTimesWeightTransposedPlusBias() {
        let layer = Linear(weight: Matrix(rows: 2, columns: 3, storage: [1, 2, 3, -1, 0, 1]), bias: Matrix(rows: 1, columns: 2, storage: [0.5, -2]))
        let output = layer.forward(Matrix(rows: 1, columns: 3, storage: [1, 1, 2])).output
        let expected: [Float] = [9.5, -1] // 1 + 2 + 6 + 0.5, −1 + 0 + 2 − 2
        #expect(output.storage == expected)
        #expect(layer.parameters.map(\.name) == ["weight", "bias"])
    }

    @Test func reshapeMovesNothingAndNamesNoParameter() {
        let reshape = Reshape(from: .vector(12), to: TensorShape(channels: 3, height: 2, width: 2))
        let x = FiniteDifference.random(rows: 2, columns: 12, seed: 3)
        #expect(reshape.forward(x).output == x)
        #expect(reshape.backward(x, cache: (), parameterGradients: true).inputGradient == x)
        #expect(reshape.parameters.isEmpty)
    }
}
