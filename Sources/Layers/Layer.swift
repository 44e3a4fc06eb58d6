import Linalg

/// One differentiable step of a network, on batches whose rows are examples of
/// `inputShape` (`TensorShape`'s order). A layer is a value: its parameters live in
/// it, and what a backward pass needs from the forward pass is handed back as a
/// cache the caller keeps, so one layer value can serve several lanes or steps.
///
/// The objective (cross-entropy, least squares, Wasserstein, hinge, a gradient
/// penalty, an InfoGAN code loss) is not a layer's business: it only gives
/// `backward` the gradient of whatever loss was formed on the output, and asks, or
/// not, for the parameters' gradients (a generator's loss flows back through the
/// discriminator without updating it).
public protocol Layer: Sendable {
    /// What `forward` keeps for `backward`.
    associatedtype Cache: Sendable

    var inputShape: TensorShape { get }
    var outputShape: TensorShape { get }

    /// The output of a batch (`input.columns == inputShape.count`).
    func forward(_ input: Matrix) -> (output: Matrix, cache: Cache)

    /// The gradient with respect to the input, and when `parameterGradients` is true
    /// the gradients of the parameters in `parameters`' order (else empty).
    func backward(_ outputGradient: Matrix, cache: Cache, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix])

    /// The parameters' gradients alone, for a layer whose input gradient nobody uses (a
    /// network's first layer when its input is data): a layer that can skip the input
    /// gradient's work says so here; the default runs `backward` and drops it.
    func parameterGradients(_ outputGradient: Matrix, cache: Cache) -> [Matrix]

    /// The trainable tensors, named as PyTorch's `state_dict` names them (`weight`,
    /// `bias`), in a fixed order that optimizers and checkpoints rely on.
    var parameters: [(name: String, value: Matrix)] { get }
    /// Replaces the parameters, in `parameters`' order and shapes.
    mutating func setParameters(_ values: [Matrix])

    /// State that is saved with the model but not trained by gradients (BatchNorm's
    /// running statistics), named as PyTorch's `state_dict` names its buffers.
    var buffers: [(name: String, value: Matrix)] { get }
    /// Replaces the buffers, in `buffers`' order and shapes.
    mutating func setBuffers(_ values: [Matrix])

    /// Switches between training behaviour (batch statistics, dropout) and inference
    /// (running statistics, nothing dropped), as PyTorch's `train()` and `eval()`.
    mutating func setTraining(_ training: Bool)

    /// Sets the key a stochastic layer (dropout) draws its next training pass's noise
    /// from. The caller draws keys from its own generator, so a layer holds no generator
    /// and a run stays a function of its seed; other layers ignore it.
    mutating func setNoiseKey(_ key: UInt64)

    /// Moves the buffers after a training forward pass whose cache this is (PyTorch
    /// does it inside `forward`; a layer value here keeps forward free of effects, so
    /// the caller decides which passes count).
    mutating func updateBuffers(from cache: Cache)

    /// The layer as a `torch.nn` module, for exporters and documentation.
    var torchModule: TorchModule { get }
}

/// Most layers have no buffers and behave the same in training and inference.
extension Layer {
    public var buffers: [(name: String, value: Matrix)] { [] }
    public mutating func setBuffers(_ values: [Matrix]) { precondition(values.isEmpty, "\(Self.self) has no buffers") }
    public mutating func setTraining(_ training: Bool) {}
    public mutating func setNoiseKey(_ key: UInt64) {}
    public mutating func updateBuffers(from cache: Cache) {}
}

extension Layer {
    public func parameterGradients(_ outputGradient: Matrix, cache: Cache) -> [Matrix] {
        backward(outputGradient, cache: cache, parameterGradients: true).parameterGradients
    }
}
