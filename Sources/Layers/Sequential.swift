import Linalg

/// Layers run one after another, each one's output the next one's input, as
/// `torch.nn.Sequential`: parameters are named by position (`0.weight`, `3.bias`),
/// so a state dict's names line up with PyTorch's.
public struct Sequential: Layer {
    public private(set) var layers: [AnyLayer]

    public init(_ layers: [AnyLayer]) {
        precondition(!layers.isEmpty, "a sequence needs a layer")
        for (a, b) in zip(layers, layers.dropFirst()) {
            precondition(a.outputShape.count == b.inputShape.count, "\(a.outputShape) does not feed \(b.inputShape)")
        }
        self.layers = layers
    }

    public var inputShape: TensorShape { layers[0].inputShape }
    public var outputShape: TensorShape { layers[layers.count - 1].outputShape }
    public var torchModule: TorchModule { .sequential(layers.map(\.torchModule)) }

    /// Each layer's cache, in order.
    public typealias Cache = [any Sendable]

    public func forward(_ input: Matrix) -> (output: Matrix, cache: [any Sendable]) {
        var x = input
        var caches: [any Sendable] = []
        caches.reserveCapacity(layers.count)
        for layer in layers {
            let (y, cache) = layer.forward(x)
            caches.append(cache)
            x = y
        }
        return (x, caches)
    }

    public func backward(_ outputGradient: Matrix, cache: [any Sendable], parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        var gradient = outputGradient
        var perLayer: [[Matrix]] = Array(repeating: [], count: layers.count)
        for index in layers.indices.reversed() {
            let (g, p) = layers[index].backward(gradient, cache: cache[index], parameterGradients: parameterGradients)
            gradient = g
            perLayer[index] = p
        }
        return (gradient, perLayer.flatMap { $0 })
    }

    /// Every layer's parameter gradients, without the input gradient of the first layer
    /// (D's update: its input is images, not something to train).
    public func parameterGradients(_ outputGradient: Matrix, cache: [any Sendable]) -> [Matrix] {
        var gradient = outputGradient
        var perLayer: [[Matrix]] = Array(repeating: [], count: layers.count)
        for index in layers.indices.reversed() {
            if index == 0 {
                perLayer[0] = layers[0].parameterGradients(gradient, cache: cache[0])
            } else {
                (gradient, perLayer[index]) = layers[index].backward(gradient, cache: cache[index], parameterGradients: true)
            }
        }
        return perLayer.flatMap { $0 }
    }

    public var parameters: [(name: String, value: Matrix)] {
        layers.enumerated().flatMap { index, layer in layer.parameters.map { ("\(index).\($0.name)", $0.value) } }
    }

    public mutating func setParameters(_ values: [Matrix]) {
        var rest = values[...]
        for index in layers.indices {
            let count = layers[index].parameters.count
            layers[index].setParameters(Array(rest.prefix(count)))
            rest = rest.dropFirst(count)
        }
        precondition(rest.isEmpty, "\(values.count) tensors given, the sequence has \(values.count - rest.count)")
    }

    public var buffers: [(name: String, value: Matrix)] {
        layers.enumerated().flatMap { index, layer in layer.buffers.map { ("\(index).\($0.name)", $0.value) } }
    }

    public mutating func setBuffers(_ values: [Matrix]) {
        var rest = values[...]
        for index in layers.indices {
            let count = layers[index].buffers.count
            layers[index].setBuffers(Array(rest.prefix(count)))
            rest = rest.dropFirst(count)
        }
        precondition(rest.isEmpty, "\(values.count) buffers given, the sequence has \(values.count - rest.count)")
    }

    public mutating func setTraining(_ training: Bool) {
        for index in layers.indices { layers[index].setTraining(training) }
    }

    /// Gives each layer its own key, derived from `key` and its position, so two dropout
    /// layers in one network never share a mask.
    public mutating func setNoiseKey(_ key: UInt64) {
        for index in layers.indices {
            layers[index].setNoiseKey(key ^ (UInt64(index) &+ 1) &* 0xD6E8_FEB8_6659_FD93)
        }
    }

    public mutating func updateBuffers(from cache: [any Sendable]) {
        for index in layers.indices { layers[index].updateBuffers(from: cache[index]) }
    }
}
