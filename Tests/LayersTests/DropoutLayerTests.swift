import Layers
import Linalg
import Testing

/// The dropout layer: PyTorch's inverted dropout in training (dropped units are 0, kept
/// ones scaled by 1/(1 − p)), the identity in inference, its mask a function of the key
/// it was given, the row and the column, whatever the lanes.
@Suite struct DropoutLayerTests {
    static let shape = TensorShape(channels: 8, height: 5, width: 5)

    static func layer(rate: Float = 0.3, key: UInt64 = 11) -> Dropout {
        var layer = Dropout(rate: rate, shape: shape)
        layer.setNoiseKey(key)
        return layer
    }

    @Test func trainingDropsTheMasksUnitsAndScalesTheRest() {
        let input = FiniteDifference.random(rows: 40, columns: Self.shape.count, seed: 1)
        let (output, cache) = Self.layer().forward(input)
        #expect(cache == 11)
        var kept = 0
        for r in 0..<input.rows { for c in 0..<input.columns {
            let keeps = DropoutMask.keeps(key: 11, row: r, column: c, rate: 0.3)
            kept += keeps ? 1 : 0
            #expect(output[r, c] == (keeps ? input[r, c] * (1 / Float(0.7)) : 0), "unit (\(r), \(c))")
        } }
        // 8,000 units: the kept share's standard deviation is about 0.005.
        #expect(abs(Double(kept) / Double(input.count) - 0.7) < 0.03, "kept \(kept) of \(input.count)")
    }

    @Test func inferenceAndARateOfZeroPassTheInputOn() {
        let input = FiniteDifference.random(rows: 3, columns: Self.shape.count, seed: 2)
        var inference = Self.layer()
        inference.setTraining(false)
        #expect(inference.forward(input).output == input && inference.forward(input).cache == nil)
        #expect(Self.layer(rate: 0).forward(input).output == input)
        let gradient = FiniteDifference.random(rows: 3, columns: Self.shape.count, seed: 3)
        #expect(inference.backward(gradient, cache: nil, parameterGradients: true).inputGradient == gradient)
    }

    /// Given its key the layer is linear, so central differences check the backward pass
    /// exactly; another key draws another mask.
    @Test func gradientMatchesFiniteDifferencesAndFollowsTheKey() {
        let input = FiniteDifference.random(rows: 2, columns: Self.shape.count, seed: 4)
        let worst = FiniteDifference.worstRelativeError(Self.layer(), input: input, seed: 5)
        #expect(worst < 1e-3, "worst relative error \(worst)")
        let a = Self.layer(key: 1).forward(input).output, b = Self.layer(key: 2).forward(input).output
        #expect(zip(a.storage, b.storage).filter { ($0 == 0) != ($1 == 0) }.count > 50)
    }

    @Test func oneAndTwoLanesDropTheSameUnits() {
        let input = FiniteDifference.random(rows: 64, columns: Self.shape.count, seed: 6)
        let one = Self.layer().forward(input).output
        let two = ParallelRanges.$threads.withValue(2) { Self.layer().forward(input).output }
        #expect(one == two)
    }

    /// A network hands each layer its own key: two dropout layers of one network drop
    /// different units, and the same network key gives the same masks again.
    @Test func aSequenceGivesEachDropoutLayerItsOwnKey() {
        let vector = TensorShape.vector(200)
        var net = Sequential([AnyLayer(Dropout(rate: 0.5, shape: vector)), AnyLayer(Dropout(rate: 0.5, shape: vector))])
        net.setNoiseKey(99)
        let ones = Matrix(rows: 1, columns: 200, repeating: 1)
        let caches = net.forward(ones).cache.map { $0 as? UInt64? }
        let keys = caches.compactMap { $0 ?? nil }
        #expect(keys.count == 2 && keys[0] != keys[1])
        let first = net.forward(ones).output
        net.setNoiseKey(99)
        #expect(net.forward(ones).output == first)
        net.setNoiseKey(100)
        #expect(net.forward(ones).output != first)
    }
}
