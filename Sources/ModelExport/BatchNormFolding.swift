import Layers

/// BatchNorm in inference is an affine map per channel, y = x·s + t with
/// s = γ / √(var + ε) and t = β − mean·s, so when it follows a Linear or a
/// (transposed) convolution with nothing but a reshape between, it folds into that
/// layer's weights and bias: one node fewer and the same function, as inference
/// runtimes expect an exported model to be.
extension ExportedGenerator {
    /// The modules and tensors with every foldable BatchNorm folded into its producer
    /// and removed; one that cannot be folded is kept.
    func foldingBatchNorm() -> (modules: [TorchModule], tensors: [[Tensor]]) {
        var modules = self.modules, tensors = self.tensors
        var index = 0
        while index < modules.count {
            guard case .batchNorm2d(let channels, let epsilon, _) = modules[index],
                  let producer = Self.producer(before: index, in: modules) else {
                index += 1
                continue
            }
            let bn = Dictionary(uniqueKeysWithValues: tensors[index].map { ($0.name, $0.values) })
            let scale = (0..<channels).map { bn["weight"]![$0] / (bn["running_var"]![$0] + epsilon).squareRoot() }
            let shift = (0..<channels).map { bn["bias"]![$0] - bn["running_mean"]![$0] * scale[$0] }
            tensors[producer] = Self.fold(tensors[producer], module: modules[producer], scale: scale, shift: shift)
            modules.remove(at: index)
            tensors.remove(at: index)
        }
        return (modules, tensors)
    }

    /// The Linear or convolution whose output a BatchNorm at `index` normalises, when
    /// only reshapes stand between them.
    private static func producer(before index: Int, in modules: [TorchModule]) -> Int? {
        var j = index - 1
        while j >= 0 {
            switch modules[j] {
            case .linear, .convTranspose2d, .conv2d: return j
            case .unflatten, .identity, .dropout: j -= 1
            default: return nil
            }
        }
        return nil
    }

    /// `tensors` (a weight and a bias) with each output channel's weights scaled by
    /// `scale` and its bias mapped to bias·scale + shift. A Linear's output features are
    /// read as (channel, y, x), as the Unflatten after it reads them.
    private static func fold(_ tensors: [Tensor], module: TorchModule, scale: [Float], shift: [Float]) -> [Tensor] {
        let weight = tensors.first { $0.name == "weight" }!, bias = tensors.first { $0.name == "bias" }!
        let channels = scale.count
        var w = weight.values, b = bias.values
        let channelOfOutput: (Int) -> Int
        switch module {
        case .linear(_, let outputs):
            let perChannel = outputs / channels
            channelOfOutput = { $0 / perChannel }
            let inputs = weight.shape[1]
            for o in 0..<outputs { for i in 0..<inputs { w[o * inputs + i] *= scale[channelOfOutput(o)] } }
        case .convTranspose2d(let inChannels, let outChannels, let g):
            channelOfOutput = { $0 }
            let taps = g.kernel * g.kernel
            for i in 0..<inChannels { for o in 0..<outChannels { for t in 0..<taps { w[(i * outChannels + o) * taps + t] *= scale[o] } } }
        case .conv2d(let inChannels, _, let g):
            channelOfOutput = { $0 }
            let perOutput = inChannels * g.kernel * g.kernel
            for k in w.indices { w[k] *= scale[k / perOutput] }
        default:
            preconditionFailure("\(module) does not produce what a BatchNorm normalises")
        }
        for o in b.indices { b[o] = b[o] * scale[channelOfOutput(o)] + shift[channelOfOutput(o)] }
        return [Tensor(name: "weight", shape: weight.shape, values: w), Tensor(name: "bias", shape: bias.shape, values: b)]
    }
}
