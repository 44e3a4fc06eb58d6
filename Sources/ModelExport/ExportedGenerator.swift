import GAN
import Layers
import Linalg

/// A trained generator as an exporter sees it: a `torch.nn.Sequential` (its modules in
/// order) and its state dict, every tensor under PyTorch's name and in PyTorch's layout
/// and shape. Built from the generator samples come from, so an export draws what
/// `samples` draws: the averaged weights when `ema_decay` is on, BatchNorm on its
/// running statistics.
public struct ExportedGenerator: Sendable {
    public struct Tensor: Sendable {
        public let name: String
        /// PyTorch's shape: `[out, in]` for a Linear weight, `[in, out, k, k]` for a
        /// ConvTranspose2d's, `[c]` for biases and BatchNorm's vectors.
        public let shape: [Int]
        public let values: [Float]
    }

    /// The modules of the equivalent `nn.Sequential`, in order.
    public let modules: [TorchModule]
    /// Each module's tensors (parameters, then buffers), by module index.
    public let tensors: [[Tensor]]
    public let zSize: Int
    /// 10 for a conditional generator (its input is z followed by the digit's one-hot), else 0.
    public let labelCount: Int
    public let config: TrainingConfig
    public let epoch: Int
    /// G's updates so far: what PyTorch's BatchNorm counts in `num_batches_tracked`.
    public let steps: Int

    public var sequential: TorchModule { .sequential(modules) }

    public init(_ trainer: ModelTrainer) {
        config = trainer.config
        epoch = trainer.epochsCompleted
        if let mlp = trainer.mlp {
            let g = mlp.samplingGenerator
            zSize = g.zSize
            labelCount = g.labelCount
            steps = mlp.generatorOptimizer.step
            // Dense stores x·W (inputs × outputs); nn.Linear stores W as outputs × inputs.
            func linear(_ dense: Dense) -> [Tensor] {
                [Tensor(name: "weight", shape: [dense.outputs, dense.inputs], values: Self.transposed(dense.weight).storage),
                 Tensor(name: "bias", shape: [dense.outputs], values: dense.bias.storage)]
            }
            modules = [.linear(inputs: g.hidden.inputs, outputs: g.hidden.outputs), .leakyReLU(slope: g.alpha),
                       .linear(inputs: g.output.inputs, outputs: g.output.outputs), .tanh,
                       .unflatten(TensorShape(channels: 1, height: 28, width: 28))]
            tensors = [linear(g.hidden), [], linear(g.output), [], []]
        } else {
            let dcgan = trainer.convolutional!
            let network = dcgan.samplingGenerator.network
            zSize = dcgan.config.zSize
            labelCount = dcgan.architecture.labelCount
            steps = dcgan.generatorOptimizer.step
            modules = network.layers.map(\.torchModule)
            tensors = network.layers.map { layer in
                (layer.parameters + layer.buffers).map { Tensor(name: $0.name, shape: Self.shape(of: $0.value, in: layer.torchModule), values: $0.value.storage) }
            }
        }
    }

    /// A tensor's PyTorch shape from its matrix and the module it belongs to.
    static func shape(of matrix: Matrix, in module: TorchModule) -> [Int] {
        if matrix.rows == 1 { return [matrix.columns] }
        switch module {
        case .convTranspose2d(let i, let o, let g): return [i, o, g.kernel, g.kernel]
        case .conv2d(let i, let o, let g): return [o, i, g.kernel, g.kernel]
        default: return [matrix.rows, matrix.columns]
        }
    }

    static func transposed(_ m: Matrix) -> Matrix {
        var out = Matrix(rows: m.columns, columns: m.rows)
        for r in 0..<m.rows { for c in 0..<m.columns { out.storage[c * m.rows + r] = m.storage[r * m.columns + c] } }
        return out
    }

    /// The state dict: `index.name` for every tensor, as `model.state_dict()` lists
    /// them, with BatchNorm's `num_batches_tracked` (PyTorch's, an int64 scalar) after
    /// its running statistics.
    public var stateDict: [(name: String, tensor: Tensor)] {
        tensors.enumerated().flatMap { index, list in list.map { ("\(index).\($0.name)", $0) } }
    }
}
