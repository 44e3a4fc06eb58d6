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
        let rule = rule
        parameter.withMutableBlock { w in
            gradient.withBlock { g in
                firstMoments[slot].withMutableBlock { m in
                    secondMoments[slot].withMutableBlock { v in rule.apply(rate: rate, parameter: w, gradient: g, first: m, second: v) }
                }
            }
        }
    }

    /// The constants of the update, apart from the state it updates.
    public var rule: Rule { Rule(beta1: beta1, beta2: beta2, epsilon: epsilon) }

    /// Moments as blocks (`first[slot]`, `second[slot]`), for the duration of `body`.
    public mutating func withMomentBlocks<R>(_ body: (_ first: UnsafeBufferPointer<MatrixBlock>, _ second: UnsafeBufferPointer<MatrixBlock>) -> R) -> R {
        let slots = firstMoments.count
        return withUnsafeTemporaryAllocation(of: MatrixBlock.self, capacity: 2 * slots) { blocks in
            firstMoments.withUnsafeMutableBufferPointer { first in
                secondMoments.withUnsafeMutableBufferPointer { second in
                    Self.pin(first, second, from: 0, into: blocks) {
                        body(UnsafeBufferPointer(rebasing: blocks[0..<slots]), UnsafeBufferPointer(rebasing: blocks[slots...]))
                    }
                }
            }
        }
    }

    /// Pins moment pair `slot` and the ones after it, nested, then runs `body` inside all of them.
    private static func pin<R>(
        _ first: UnsafeMutableBufferPointer<Matrix>, _ second: UnsafeMutableBufferPointer<Matrix>, from slot: Int,
        into blocks: UnsafeMutableBufferPointer<MatrixBlock>, _ body: () -> R
    ) -> R {
        guard slot < first.count else { return body() }
        return first[slot].withMutableBlock { m in
            second[slot].withMutableBlock { v in
                blocks.initializeElement(at: slot, to: m)
                blocks.initializeElement(at: first.count + slot, to: v)
                return pin(first, second, from: slot + 1, into: blocks, body)
            }
        }
    }

    /// The update's constants. `apply` works on blocks: a lane's share of a tensor (a run
    /// of rows, or of one row's columns), each element updated independently of the others.
    public struct Rule: Sendable {
        public let beta1: Float
        public let beta2: Float
        public let epsilon: Float

        public func apply(rate: Float, parameter: MatrixBlock, gradient: MatrixBlock, first: MatrixBlock, second: MatrixBlock) {
            let count = parameter.rows * parameter.columns
            precondition(parameter.isContiguous && gradient.isContiguous && first.isContiguous && second.isContiguous
                         && gradient.rows * gradient.columns == count && first.rows * first.columns == count
                         && second.rows * second.columns == count, "Adam blocks must be contiguous and the same size")
            let w = parameter.base, g = gradient.base, m = first.base, v = second.base
            let b1 = beta1, b2 = beta2, eps = epsilon
            let oneMinusB1 = 1 - b1, oneMinusB2 = 1 - b2
            Elementwise.forEachLane(count: count, vector: { i in
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
