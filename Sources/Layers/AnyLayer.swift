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

    public var parameters: [(name: String, value: Matrix)] { base.parameters }

    public mutating func setParameters(_ values: [Matrix]) {
        func set<L: Layer>(_ layer: L) -> any Layer {
            var copy = layer
            copy.setParameters(values)
            return copy
        }
        base = set(base)
    }
}
