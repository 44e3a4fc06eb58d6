import Foundation

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

    /// The mean loss over `logits[range]` against one label, its gradient with respect
    /// to each logit scaled by `gradientScale` (written into `gradients`), and the mean sigmoid.
    public static func meanLoss(
        logits: UnsafeBufferPointer<Float>, label: Float, gradients: UnsafeMutableBufferPointer<Float>,
        gradientScale: Float
    ) -> (loss: Float, meanSigmoid: Float) {
        var total: Double = 0
        var probability: Double = 0
        for i in logits.indices {
            let x = logits[i]
            let p = sigmoid(x)
            total += Double(Self.loss(logit: x, label: label))
            probability += Double(p)
            gradients[i] = (p - label) * gradientScale
        }
        let n = Double(max(logits.count, 1))
        return (Float(total / n), Float(probability / n))
    }
}
