import Foundation
import Linalg

/// One batch's share of an objective: the loss, its gradient with respect to the
/// discriminator's outputs (one score a row), and the batch's mean reported score
/// (D(x) as a probability for cross-entropy; a critic's raw score for others).
public struct ObjectiveTerm: Sendable {
    public var loss: Float
    public var gradient: Matrix
    public var meanScore: Float
}

/// What a GAN minimises, given only the discriminator's outputs: the seam where least
/// squares, Wasserstein or hinge objectives plug in. A term that needs more than the
/// outputs (a gradient penalty needs D's input gradient; InfoGAN a code head) is a
/// regulariser added beside the objective by the trainer, not a change to it.
public protocol GANObjective: Sendable {
    /// D's terms on a real batch and a fake batch; their losses add up to D's loss.
    func discriminatorTerms(real: Matrix, fake: Matrix) -> (real: ObjectiveTerm, fake: ObjectiveTerm)
    /// G's term on D's outputs for G's images.
    func generatorTerm(fake: Matrix) -> ObjectiveTerm
}

/// The original GAN's objective in its non-saturating form (Goodfellow et al. 2014,
/// and DCGAN's): sigmoid cross-entropy on logits, D pushing real toward
/// `1 − smooth` (one-sided label smoothing) and fake toward 0, G pushing its images
/// toward 1. Means over the batch, as `BCEWithLogitsLoss`.
public struct NonSaturatingObjective: GANObjective {
    public var smooth: Float

    public init(smooth: Float) { self.smooth = smooth }

    public func discriminatorTerms(real: Matrix, fake: Matrix) -> (real: ObjectiveTerm, fake: ObjectiveTerm) {
        (Self.crossEntropy(real, label: 1 - smooth), Self.crossEntropy(fake, label: 0))
    }

    public func generatorTerm(fake: Matrix) -> ObjectiveTerm { Self.crossEntropy(fake, label: 1) }

    /// mean(softplus(x) − y·x), computed stably; its gradient (σ(x) − y) / n.
    static func crossEntropy(_ logits: Matrix, label: Float) -> ObjectiveTerm {
        let n = logits.count
        var gradient = Matrix(rows: logits.rows, columns: logits.columns)
        var loss = 0.0, scores = 0.0
        for i in 0..<n {
            let x = logits.storage[i]
            let sigmoid = x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x))
            loss += Double(max(x, 0) - x * label + log1pf(expf(-abs(x))))
            scores += Double(sigmoid)
            gradient.storage[i] = (sigmoid - label) / Float(n)
        }
        return ObjectiveTerm(loss: Float(loss / Double(n)), gradient: gradient, meanScore: Float(scores / Double(n)))
    }
}
