import Foundation
import Linalg

/// Adam exactly as TensorFlow 1's `AdamOptimizer` applies it:
/// `lr_t = lr · √(1-β2ᵗ) / (1-β1ᵗ)`, `m = β1 m + (1-β1) g`, `v = β2 v + (1-β2) g²`,
/// `w -= lr_t · m / (√v + ε)`, with ε outside the bias correction as TF has it.
public struct Adam: Sendable, Equatable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// Updates applied so far (TF's `t`, the exponent of the bias correction).
    public var step: Int
    /// First and second moments, one pair per parameter tensor, in the order `update` sees them.
    public var firstMoments: [Matrix]
    public var secondMoments: [Matrix]

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, shapes: [(rows: Int, columns: Int)]) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.step = 0
        self.firstMoments = shapes.map { Matrix(rows: $0.rows, columns: $0.columns) }
        self.secondMoments = firstMoments
    }

    /// Starts update number `step + 1` and returns its bias-corrected rate.
    public mutating func beginStep() -> Float {
        step += 1
        let t = Double(step)
        let correction = (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t))
        return Float(Double(learningRate) * correction)
    }

    /// Applies one update to parameter tensor `slot` with the rate from `beginStep()`.
    public mutating func update(_ parameter: inout Matrix, gradient: Matrix, slot: Int, rate: Float) {
        precondition(parameter.count == gradient.count && parameter.count == firstMoments[slot].count, "Adam slot \(slot) shape mismatch")
        let b1 = beta1, b2 = beta2, eps = epsilon
        let oneMinusB1 = 1 - b1, oneMinusB2 = 1 - b2
        parameter.storage.withUnsafeMutableBufferPointer { wp in
            gradient.storage.withUnsafeBufferPointer { gp in
                firstMoments[slot].storage.withUnsafeMutableBufferPointer { mp in
                    secondMoments[slot].storage.withUnsafeMutableBufferPointer { vp in
                        guard let w = wp.baseAddress, let g = gp.baseAddress, let m = mp.baseAddress, let v = vp.baseAddress else { return }
                        typealias V = Elementwise.Vector
                        Elementwise.forEachLane(count: wp.count, vector: { i in
                            let gi = Elementwise.load(g + i)
                            let mi = b1 * Elementwise.load(m + i) + oneMinusB1 * gi
                            let vi = b2 * Elementwise.load(v + i) + oneMinusB2 * gi * gi
                            Elementwise.store(mi, m + i)
                            Elementwise.store(vi, v + i)
                            Elementwise.store(Elementwise.load(w + i) - rate * mi / (Elementwise.squareRoot(vi) + eps), w + i)
                        }, scalar: { i in
                            let gi = g[i]
                            let mi = b1 * m[i] + oneMinusB1 * gi
                            let vi = b2 * v[i] + oneMinusB2 * gi * gi
                            m[i] = mi
                            v[i] = vi
                            w[i] -= rate * mi / (vi.squareRoot() + eps)
                        })
                    }
                }
            }
        }
    }
}
