import Foundation
import Linalg

/// `tf.nn.sigmoid_cross_entropy_with_logits`, in its numerically stable form
/// `max(x, 0) - x z + log(1 + exp(-|x|))`.
public enum SigmoidCrossEntropy {
    public static func loss(logit x: Float, label z: Float) -> Float {
        max(x, 0) - x * z + log1p(exp(-abs(x)))
    }

    /// The logistic function, without overflow for large |x|.
    public static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// One logit's loss against `label`, its sigmoid, and the loss's derivative with
    /// respect to the logit (`sigmoid - label`).
    @inline(__always)
    static func term(logit x: Float, label: Float) -> (loss: Float, sigmoid: Float, gradient: Float) {
        let p = sigmoid(x)
        return (loss(logit: x, label: label), p, p - label)
    }

    /// Per row of a one-column block of logits: the loss and sigmoid kept for the mean a
    /// step reports (summed later, in row order, whatever lanes computed them), and the
    /// scaled gradient.
    public static func rowTerms(
        logits: MatrixBlock, label: Float, gradientScale: Float, gradients: MatrixBlock,
        losses: MatrixBlock, sigmoids: MatrixBlock
    ) {
        precondition(logits.columns == 1 && gradients.rows == logits.rows && losses.rows == logits.rows && sigmoids.rows == logits.rows)
        for r in 0..<logits.rows {
            let t = term(logit: logits.row(r)[0], label: label)
            losses.row(r)[0] = t.loss
            sigmoids.row(r)[0] = t.sigmoid
            gradients.row(r)[0] = t.gradient * gradientScale
        }
    }

    /// The means of `rowTerms`' losses and sigmoids over rows `range`, summed in order.
    public static func means(losses: MatrixBlock, sigmoids: MatrixBlock, rows range: Range<Int>) -> (loss: Float, meanSigmoid: Float) {
        var total: Double = 0
        var probability: Double = 0
        for r in range {
            total += Double(losses.row(r)[0])
            probability += Double(sigmoids.row(r)[0])
        }
        let n = Double(max(range.count, 1))
        return (Float(total / n), Float(probability / n))
    }
}
