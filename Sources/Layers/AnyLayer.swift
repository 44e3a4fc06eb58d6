import Linalg

/// Any layer behind one type, so that a `Sequential` can hold convolutions,
/// activations and dense layers together. Its cache is the wrapped layer's, boxed.
public struct AnyLayer: Layer {
    private var base: any Layer

    public init(_ layer: some Layer) { base = layer }

    public var inputShape: TensorShape { base.inputShape }
    public var outputShape: TensorShape { base.outputShape }

    public typealias Cache = any Sendable

    public func forward(_ input: Matrix) -> (output: Matrix, cache: any Sendable) {
        let (output, cache) = base.forward(input)
        return (output, cache)
    }

    public func backward(_ outputGradient: Matrix, cache: any Sendable, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        func open<L: Layer>(_ layer: L) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
            guard let typed = cache as? L.Cache else { preconditionFailure("a cache from another layer was passed to \(L.self)") }
            return layer.backward(outputGradient, cache: typed, parameterGradients: parameterGradients)
        }
        return open(base)
    }

    public func parameterGradients(_ outputGradient: Matrix, cache: any Sendable) -> [Matrix] {
        func open<L: Layer>(_ layer: L) -> [Matrix] {
            guard let typed = cache as? L.Cache else { preconditionFailure("a cache from another layer was passed to \(L.self)") }
            return layer.parameterGradients(outputGradient, cache: typed)
        }
        return open(base)
    }

    public var parameters: [(name: String, value: Matrix)] { base.parameters }
    public var torchModule: TorchModule { base.torchModule }

    public mutating func setParameters(_ values: [Matrix]) { modify { $0.setParameters(values) } }

    public var buffers: [(name: String, value: Matrix)] { base.buffers }
    public mutating func setBuffers(_ values: [Matrix]) { modify { $0.setBuffers(values) } }
    public mutating func setTraining(_ training: Bool) { modify { $0.setTraining(training) } }
    public mutating func setNoiseKey(_ key: UInt64) { modify { $0.setNoiseKey(key) } }

    public mutating func updateBuffers(from cache: any Sendable) {
        func update<L: Layer>(_ layer: inout L) {
            guard let typed = cache as? L.Cache else { preconditionFailure("a cache from another layer was passed to \(L.self)") }
            layer.updateBuffers(from: typed)
        }
        modify { update(&$0) }
    }

    /// Applies `change` to the wrapped layer as its concrete type.
    private mutating func modify(_ change: (inout any Layer) -> Void) {
        change(&base)
    }
}
