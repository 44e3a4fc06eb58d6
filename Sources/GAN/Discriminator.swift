import Layers
import Linalg

/// The notebook's discriminator: 784 → dense(d_hidden) → leaky ReLU → dense(1), a logit.
public struct Discriminator: Sendable, Equatable {
    public var hidden: Dense
    public var output: Dense
    public var alpha: Float

    /// `labels` > 0: a conditional discriminator, whose input is the image followed by the label one-hot.
    public init(hiddenUnits: Int, alpha: Float, labels: Int = 0, rng: inout Xoshiro256StarStar) {
        hidden = Dense(inputs: TrainingConfig.imagePixels + labels, outputs: hiddenUnits, rng: &rng)
        output = Dense(inputs: hiddenUnits, outputs: 1, rng: &rng)
        self.alpha = alpha
    }

    public init(hidden: Dense, output: Dense, alpha: Float) {
        self.hidden = hidden
        self.output = output
        self.alpha = alpha
    }

    public struct Activations: Sendable {
        public var hiddenPre: Matrix
        public var hidden: Matrix
        /// One logit a row.
        public var logits: Matrix

        public init(batch: Int, hiddenUnits: Int) {
            hiddenPre = Matrix(rows: batch, columns: hiddenUnits)
            hidden = hiddenPre
            logits = Matrix(rows: batch, columns: 1)
        }
    }

    // `forward`, `backward` and `inputGradient` are the discriminator written layer by
    // layer: the reference the tests hold `TrainingStep` to (see `Generator.forward`).
    /// Dropout on the hidden layer: the mask's key and the drop rate (`Dropout`).
    public typealias DropoutMask = (key: UInt64, rate: Float)

    public func forward(_ input: Matrix, into a: inout Activations, dropout: DropoutMask? = nil) {
        hidden.forward(input, into: &a.hiddenPre, addingBias: false)
        Activation.addBiasLeakyReLU(&a.hiddenPre, bias: hidden.bias, alpha: alpha, into: &a.hidden)
        if let dropout { Layers.DropoutMask.apply(&a.hidden, key: dropout.key, rate: dropout.rate) }
        output.forward(a.hidden, into: &a.logits)
    }

    /// The gradient at the hidden pre-activation, from the gradient at the logits.
    func backpropagateToHidden(logitGradient: Matrix, activations a: Activations, dropout: DropoutMask?, into hiddenGradient: inout Matrix) {
        output.inputGradient(logitGradient, into: &hiddenGradient)
        if let dropout { Layers.DropoutMask.apply(&hiddenGradient, key: dropout.key, rate: dropout.rate) }
        Activation.leakyReLUBackward(&hiddenGradient, preActivation: a.hiddenPre, alpha: alpha)
    }

    /// Both layers' weight gradients (the discriminator's own update).
    public mutating func backward(input: Matrix, activations a: Activations, logitGradient: Matrix, hiddenGradient: inout Matrix,
                                  dropout: DropoutMask? = nil) {
        output.accumulateGradients(input: a.hidden, outputGradient: logitGradient)
        backpropagateToHidden(logitGradient: logitGradient, activations: a, dropout: dropout, into: &hiddenGradient)
        hidden.accumulateGradients(input: input, outputGradient: hiddenGradient)
    }

    /// Only the gradient at the input image (the generator's update): the
    /// discriminator's weight gradients are not needed there, so they are not computed.
    public func inputGradient(activations a: Activations, logitGradient: Matrix, hiddenGradient: inout Matrix, into inputGradient: inout Matrix,
                              dropout: DropoutMask? = nil) {
        backpropagateToHidden(logitGradient: logitGradient, activations: a, dropout: dropout, into: &hiddenGradient)
        hidden.inputGradient(hiddenGradient, into: &inputGradient)
    }
}
