/// What a layer is as a `torch.nn` module: the kind and the constructor's arguments,
/// without the tensors (those are the layer's `parameters` and `buffers`, already in
/// PyTorch's layouts and under its names). An exporter walks a network by these to
/// write it for another runtime, and documentation prints them as Python.
public enum TorchModule: Sendable, Hashable {
    case linear(inputs: Int, outputs: Int)
    case conv2d(inChannels: Int, outChannels: Int, geometry: ConvolutionGeometry)
    case convTranspose2d(inChannels: Int, outChannels: Int, geometry: ConvolutionGeometry)
    case batchNorm2d(channels: Int, epsilon: Float, momentum: Float)
    case relu
    case leakyReLU(slope: Float)
    case tanh
    case sigmoid
    case dropout(rate: Float)
    /// `nn.Unflatten(1, (c, h, w))`: a flat row read as (channel, y, x).
    case unflatten(TensorShape)
    /// `nn.Flatten()`: (channel, y, x) read as one row.
    case flatten
    /// Identity (a reshape between equal shapes).
    case identity
    indirect case sequential([TorchModule])

    /// The module as Python source, as `print(model)` would construct it.
    public var python: String {
        func geometry(_ g: ConvolutionGeometry) -> String { "\(g.kernel), \(g.stride), \(g.padding)" }
        switch self {
        case .linear(let i, let o): return "nn.Linear(\(i), \(o))"
        case .conv2d(let i, let o, let g): return "nn.Conv2d(\(i), \(o), \(geometry(g)))"
        case .convTranspose2d(let i, let o, let g): return "nn.ConvTranspose2d(\(i), \(o), \(geometry(g)))"
        case .batchNorm2d(let c, let eps, let momentum): return "nn.BatchNorm2d(\(c), eps=\(eps), momentum=\(momentum))"
        case .relu: return "nn.ReLU()"
        case .leakyReLU(let slope): return "nn.LeakyReLU(\(slope))"
        case .tanh: return "nn.Tanh()"
        case .sigmoid: return "nn.Sigmoid()"
        case .dropout(let rate): return "nn.Dropout(\(rate))"
        case .unflatten(let s): return "nn.Unflatten(1, (\(s.channels), \(s.height), \(s.width)))"
        case .flatten: return "nn.Flatten()"
        case .identity: return "nn.Identity()"
        case .sequential(let modules): return "nn.Sequential(\n" + modules.map { "    \($0.python),\n" }.joined() + ")"
        }
    }
}
