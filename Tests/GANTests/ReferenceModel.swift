import Foundation
import GAN
import Layers
import Linalg

/// An independent, deliberately naive Double-precision forward pass of the notebook's
/// model, used as the ground truth for finite differences.
enum Reference {
    typealias Weights = (w: [[Double]], b: [Double])

    static func weights(_ d: Dense) -> Weights {
        let w = (0..<d.inputs).map { i in (0..<d.outputs).map { o in Double(d.weight[i, o]) } }
        return (w, (0..<d.outputs).map { Double(d.bias[0, $0]) })
    }

    static func dense(_ x: [[Double]], _ p: Weights) -> [[Double]] {
        x.map { row in
            (0..<p.b.count).map { o in
                var s = p.b[o]
                for i in row.indices { s += row[i] * p.w[i][o] }
                return s
            }
        }
    }

    static func leaky(_ x: [[Double]], _ alpha: Double) -> [[Double]] { x.map { $0.map { max($0, alpha * $0) } } }

    static func sce(_ x: Double, _ z: Double) -> Double { max(x, 0) - x * z + log1p(exp(-abs(x))) }

    static func generator(_ z: [[Double]], hidden: Weights, output: Weights, alpha: Double) -> [[Double]] {
        dense(leaky(dense(z, hidden), alpha), output).map { $0.map { tanh($0) } }
    }

    /// `mask`, when given, scales each hidden unit (dropout: 0 or 1 / (1 − rate)).
    static func discriminatorLogits(_ x: [[Double]], hidden: Weights, output: Weights, alpha: Double, mask: [[Double]]? = nil) -> [Double] {
        var h = leaky(dense(x, hidden), alpha)
        if let mask { h = zip(h, mask).map { zip($0, $1).map(*) } }
        return dense(h, output).map { $0[0] }
    }

    /// Dropout's scale for each unit of a `rows` × `columns` layer, written out from its definition.
    static func dropoutMask(rows: Int, columns: Int, key: UInt64, rate: Float) -> [[Double]] {
        (0..<rows).map { r in
            (0..<columns).map { c in DropoutMask.keeps(key: key, row: r, column: c, rate: rate) ? 1 / Double(1 - rate) : 0 }
        }
    }

    static func meanLoss(_ logits: [Double], label: Double) -> Double {
        logits.map { sce($0, label) }.reduce(0, +) / Double(logits.count)
    }

    static func matrix(_ m: Matrix) -> [[Double]] {
        (0..<m.rows).map { r in (0..<m.columns).map { Double(m[r, $0]) } }
    }

    /// Central difference of `f` with respect to one coordinate.
    static func derivative(at value: Double, step: Double = 1e-4, _ f: (Double) -> Double) -> Double {
        (f(value + step) - f(value - step)) / (2 * step)
    }
}

/// The trainer's loss kernels on a column of logits: the mean loss (as a step reports
/// it) and the gradient of that mean with respect to each logit.
func sigmoidLoss(_ logits: Matrix, label: Float) -> (loss: Float, gradient: Matrix) {
    var gradient = Matrix(rows: logits.rows, columns: 1)
    var losses = gradient, sigmoids = gradient
    let loss = logits.withBlock { l in
        gradient.withMutableBlock { g in
            losses.withMutableBlock { ls in
                sigmoids.withMutableBlock { ss in
                    SigmoidCrossEntropy.rowTerms(logits: l, label: label, gradientScale: 1 / Float(logits.rows),
                                                 gradients: g, losses: ls, sigmoids: ss)
                    return SigmoidCrossEntropy.means(losses: ls, sigmoids: ss, rows: 0..<logits.rows).loss
                }
            }
        }
    }
    return (loss, gradient)
}

func randomMatrix(rows: Int, columns: Int, scale: Float = 1, seed: UInt64) -> Matrix {
    var rng = Xoshiro256StarStar(seed: seed)
    var m = Matrix(rows: rows, columns: columns)
    for i in 0..<m.count { m.storage[i] = rng.nextSymmetricUniform() * scale }
    return m
}

/// Relative agreement that tolerates Float rounding in the analytic gradient.
func close(_ a: Double, _ b: Double, tolerance: Double = 2e-3, floor: Double = 1e-5) -> Bool {
    abs(a - b) <= tolerance * max(abs(a), abs(b)) + floor
}

/// Columns `0..<columns` of `m`: the image's part of a conditional D's input gradient.
func leadingColumns(_ m: Matrix, _ columns: Int) -> Matrix {
    var out = Matrix(rows: m.rows, columns: columns)
    for r in 0..<m.rows { for c in 0..<columns { out[r, c] = m[r, c] } }
    return out
}
