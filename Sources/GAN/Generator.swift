import Linalg

/// The notebook's generator: z → dense(g_hidden) → leaky ReLU → dense(784) → tanh.
/// A conditional one takes the digit too: its input is z followed by the label one-hot.
public struct Generator: Sendable, Equatable {
    public var hidden: Dense
    public var output: Dense
    public var alpha: Float
    /// Classes of the label input; 0 for an unconditional generator.
    public let labelCount: Int

    public init(zSize: Int, hiddenUnits: Int, alpha: Float, labels: Int = 0, rng: inout Xoshiro256StarStar) {
        hidden = Dense(inputs: zSize + labels, outputs: hiddenUnits, rng: &rng)
        output = Dense(inputs: hiddenUnits, outputs: TrainingConfig.imagePixels, rng: &rng)
        self.alpha = alpha
        labelCount = labels
    }

    public init(hidden: Dense, output: Dense, alpha: Float, labels: Int = 0) {
        self.hidden = hidden
        self.output = output
        self.alpha = alpha
        labelCount = labels
    }

    public var zSize: Int { hidden.inputs - labelCount }
    public var isConditional: Bool { labelCount > 0 }

    /// What a forward pass keeps for the backward pass, sized once for a batch.
    public struct Activations: Sendable {
        public var hiddenPre: Matrix
        public var hidden: Matrix
        public var outputPre: Matrix
        /// tanh output in [-1, 1], one image a row.
        public var image: Matrix

        public init(batch: Int, hiddenUnits: Int) {
            hiddenPre = Matrix(rows: batch, columns: hiddenUnits)
            hidden = hiddenPre
            outputPre = Matrix(rows: batch, columns: TrainingConfig.imagePixels)
            image = outputPre
        }
    }

    // `forward` and `backward` are the generator written layer by layer. Training runs
    // the fused, lane-split `TrainingStep`; the tests check these against finite
    // differences and then check the step against these, so they stay as the reference.
    public func forward(noise: Matrix, into a: inout Activations) {
        hidden.forward(noise, into: &a.hiddenPre, addingBias: false)
        Activation.addBiasLeakyReLU(&a.hiddenPre, bias: hidden.bias, alpha: alpha, into: &a.hidden)
        output.forward(a.hidden, into: &a.outputPre, addingBias: false)
        Activation.addBiasTanh(a.outputPre, bias: output.bias, into: &a.image)
    }

    /// Fills both layers' gradients from `imageGradient`, the gradient at the tanh
    /// output, which it turns into the gradient at the pre-activation in place.
    public mutating func backward(noise: Matrix, activations a: Activations, imageGradient: inout Matrix, hiddenGradient: inout Matrix) {
        Activation.tanhBackward(&imageGradient, output: a.image)
        output.accumulateGradients(input: a.hidden, outputGradient: imageGradient)
        output.inputGradient(imageGradient, into: &hiddenGradient)
        Activation.leakyReLUBackward(&hiddenGradient, preActivation: a.hiddenPre, alpha: alpha)
        hidden.accumulateGradients(input: noise, outputGradient: hiddenGradient)
    }

    /// Images for `noise` (one row each), allocating its own buffers: for sampling, not training.
    ///
    /// A conditional generator draws digit `labels[i]` for row i; without labels it
    /// draws the digits in turn (0, 1, …, 9, 0, …), so a grid shows every digit.
    public func generate(noise: Matrix, labels: [Int]? = nil) -> Matrix {
        let input = isConditional ? LabelInput.appending(labels ?? LabelInput.cycle(count: noise.rows, classes: labelCount),
                                                         classes: labelCount, to: noise) : noise
        var a = Activations(batch: input.rows, hiddenUnits: hidden.outputs)
        forward(noise: input, into: &a)
        return a.image
    }
}
