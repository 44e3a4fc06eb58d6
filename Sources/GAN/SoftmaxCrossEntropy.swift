import Foundation
import Linalg

/// Softmax cross-entropy over rows of logits, for the digit classifier that scores
/// generated samples. Stable: each row is shifted by its maximum before `exp`.
public enum SoftmaxCrossEntropy {
    /// Row-wise softmax probabilities.
    public static func probabilities(_ logits: Matrix) -> Matrix {
        var p = Matrix(rows: logits.rows, columns: logits.columns)
        for r in 0..<logits.rows {
            var maximum = -Float.infinity
            for c in 0..<logits.columns { maximum = max(maximum, logits[r, c]) }
            var sum: Float = 0
            for c in 0..<logits.columns {
                let e = exp(logits[r, c] - maximum)
                p[r, c] = e
                sum += e
            }
            for c in 0..<logits.columns { p[r, c] /= sum }
        }
        return p
    }

    /// Mean loss over the rows against integer `labels`, and its gradient with respect to
    /// the logits, `(softmax - onehot) / rows`, written into `gradient`.
    public static func meanLoss(logits: Matrix, labels: ArraySlice<UInt8>, gradient: inout Matrix) -> Float {
        precondition(labels.count == logits.rows && gradient.rows == logits.rows && gradient.columns == logits.columns)
        let p = probabilities(logits)
        let scale = 1 / Float(logits.rows)
        var total: Double = 0
        for (r, label) in labels.enumerated() {
            let target = Int(label)
            precondition(target < logits.columns, "label \(label) out of range")
            total -= Double(log(max(p[r, target], .leastNormalMagnitude)))
            for c in 0..<logits.columns {
                gradient[r, c] = (p[r, c] - (c == target ? 1 : 0)) * scale
            }
        }
        return Float(total / Double(logits.rows))
    }
}
