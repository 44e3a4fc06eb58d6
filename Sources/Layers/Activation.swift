import Linalg

/// An element-wise nonlinearity as a layer of any shape: DCGAN's ReLU and LeakyReLU
/// between convolutions, Tanh on the generator's output.
public struct Activation: Layer {
    public enum Kind: Sendable, Hashable {
        case relu
        /// `slope` times the input below zero (PyTorch's `negative_slope`).
        case leakyReLU(slope: Float)
        case tanh
        case sigmoid
    }

    public let kind: Kind
    public let inputShape: TensorShape
    public var outputShape: TensorShape { inputShape }

    public init(_ kind: Kind, shape: TensorShape) {
        self.kind = kind
        inputShape = shape
    }

    /// The input for the rectifiers (their slope depends on its sign), the output for
    /// tanh and sigmoid (their derivatives are functions of it).
    public typealias Cache = Matrix

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Matrix) {
        var output = input
        switch kind {
        case .relu: for i in output.storage.indices { output.storage[i] = max(0, output.storage[i]) }
        case .leakyReLU(let slope): for i in output.storage.indices where output.storage[i] < 0 { output.storage[i] *= slope }
        case .tanh: for i in output.storage.indices { output.storage[i] = libmTanh(output.storage[i]) }
        case .sigmoid: for i in output.storage.indices { output.storage[i] = 1 / (1 + libmExp(-output.storage[i])) }
        }
        switch kind {
        case .relu, .leakyReLU: return (output, input)
        case .tanh, .sigmoid: return (output, output)
        }
    }

    public func backward(_ outputGradient: Matrix, cache: Matrix, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        var gradient = outputGradient
        switch kind {
        case .relu: for i in gradient.storage.indices where cache.storage[i] <= 0 { gradient.storage[i] = 0 }
        case .leakyReLU(let slope): for i in gradient.storage.indices where cache.storage[i] < 0 { gradient.storage[i] *= slope }
        case .tanh: for i in gradient.storage.indices { gradient.storage[i] *= 1 - cache.storage[i] * cache.storage[i] }
        case .sigmoid: for i in gradient.storage.indices { gradient.storage[i] *= cache.storage[i] * (1 - cache.storage[i]) }
        }
        return (gradient, [])
    }

    public var parameters: [(name: String, value: Matrix)] { [] }
    public mutating func setParameters(_ values: [Matrix]) { precondition(values.isEmpty, "an activation has no parameters") }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func libmTanh(_ x: Float) -> Float { tanhf(x) }
@inline(__always) private func libmExp(_ x: Float) -> Float { expf(x) }
#else
import Darwin
@inline(__always) private func libmTanh(_ x: Float) -> Float { tanhf(x) }
@inline(__always) private func libmExp(_ x: Float) -> Float { expf(x) }
#endif
