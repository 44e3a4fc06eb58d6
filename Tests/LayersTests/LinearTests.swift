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

    /// PyTorch's flat (channel, y, x) order becomes the layers' channels-last (y, x,
    /// channel) and back; a single channel moves nothing.
    @Test func reshapeRegroupsToChannelsLastAndNamesNoParameter() {
        let image = TensorShape(channels: 3, height: 2, width: 2)
        let unflatten = Reshape(from: .vector(12), to: image), flatten = Reshape(from: image, to: .vector(12))
        let x = Matrix(rows: 2, columns: 12, storage: (0..<24).map(Float.init))
        // Row 0: channel c's plane is c·4 ..< c·4 + 4; position p's channels become p·3 ..< p·3 + 3.
        let channelsLast: [Float] = [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
        let unflattened = unflatten.forward(x).output
        #expect(Array(unflattened.storage[..<12]) == channelsLast)
        #expect(Array(unflattened.storage[12...]) == channelsLast.map { $0 + 12 })
        #expect(flatten.forward(unflattened).output == x)
        #expect(unflatten.backward(unflattened, cache: (), parameterGradients: true).inputGradient == x)
        #expect(flatten.backward(x, cache: (), parameterGradients: true).inputGradient == unflattened)
        let single = Reshape(from: .vector(4), to: TensorShape(channels: 1, height: 2, width: 2))
        #expect(single.forward(Matrix(rows: 1, columns: 4, storage: [1, 2, 3, 4])).output.storage == [1, 2, 3, 4])
        #expect(unflatten.parameters.isEmpty)
    }
}
