import Layers
import Linalg

/// Central differences of the scalar loss Σ output ⊙ probe, in Double over Float
/// layers: what an analytic backward pass is checked against.
enum FiniteDifference {
    /// A fixed pseudo-random matrix in [-1, 1).
    static func random(rows: Int, columns: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256StarStar(seed: seed)
        return Matrix(rows: rows, columns: columns, storage: (0..<(rows * columns)).map { _ in rng.nextSymmetricUniform() })
    }

    static func loss<L: Layer>(_ layer: L, _ input: Matrix, probe: Matrix) -> Double {
        let output = layer.forward(input).output
        return zip(output.storage, probe.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// The largest relative difference between the analytic gradients (input, then each
    /// parameter) and central differences with step `h`, over every entry.
    static func worstRelativeError<L: Layer>(_ layer: L, input: Matrix, seed: UInt64, h: Float = 1e-2) -> Double {
        let probe = random(rows: input.rows, columns: layer.outputShape.count, seed: seed)
        let (_, cache) = layer.forward(input)
        let (inputGradient, parameterGradients) = layer.backward(probe, cache: cache, parameterGradients: true)
        var worst = 0.0
        func compare(_ analytic: Float, _ numeric: Double) {
            worst = max(worst, abs(Double(analytic) - numeric) / max(1e-2, abs(numeric)))
        }
        for i in 0..<input.count {
            var plus = input, minus = input
            plus.storage[i] += h
            minus.storage[i] -= h
            compare(inputGradient.storage[i], (loss(layer, plus, probe: probe) - loss(layer, minus, probe: probe)) / (2 * Double(h)))
        }
        let values = layer.parameters.map(\.value)
        for (p, gradient) in parameterGradients.enumerated() {
            for i in 0..<values[p].count {
                var plus = layer, minus = layer
                var up = values, down = values
                up[p].storage[i] += h
                down[p].storage[i] -= h
                plus.setParameters(up)
                minus.setParameters(down)
                compare(gradient.storage[i], (loss(plus, input, probe: probe) - loss(minus, input, probe: probe)) / (2 * Double(h)))
            }
        }
        return worst
    }
}
