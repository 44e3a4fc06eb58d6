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
        let output = input.storage.withUnsafeBufferPointer { x in
            Matrix(rows: input.rows, columns: input.columns) { y in
                ParallelRanges.forEach(x.count) { range in
                    switch kind {
                    case .relu: for i in range { y[i] = x[i] > 0 ? x[i] : 0 }
                    case .leakyReLU(let slope): for i in range { y[i] = x[i] < 0 ? x[i] * slope : x[i] }
                    case .tanh: for i in range { y[i] = libmTanh(x[i]) }
                    case .sigmoid: for i in range { y[i] = 1 / (1 + libmExp(-x[i])) }
                    }
                }
            }
        }
        switch kind {
        case .relu, .leakyReLU: return (output, input)
        case .tanh, .sigmoid: return (output, output)
        }
    }

    public func backward(_ outputGradient: Matrix, cache: Matrix, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        precondition(cache.count == outputGradient.count, "the gradient and the cache differ in size")
        let gradient = outputGradient.storage.withUnsafeBufferPointer { g in
            cache.storage.withUnsafeBufferPointer { c in
                Matrix(rows: outputGradient.rows, columns: outputGradient.columns) { d in
                    ParallelRanges.forEach(g.count) { range in
                        switch kind {
                        case .relu: for i in range { d[i] = c[i] > 0 ? g[i] : 0 }
                        case .leakyReLU(let slope): for i in range { d[i] = c[i] < 0 ? g[i] * slope : g[i] }
                        case .tanh: for i in range { d[i] = g[i] * (1 - c[i] * c[i]) }
                        case .sigmoid: for i in range { d[i] = g[i] * (c[i] * (1 - c[i])) }
                        }
                    }
                }
            }
        }
        return (gradient, [])
    }

    public var parameters: [(name: String, value: Matrix)] { [] }
    public mutating func setParameters(_ values: [Matrix]) { precondition(values.isEmpty, "an activation has no parameters") }

    public var torchModule: TorchModule {
        switch kind {
        case .relu: return .relu
        case .leakyReLU(let slope): return .leakyReLU(slope: slope)
        case .tanh: return .tanh
        case .sigmoid: return .sigmoid
        }
    }
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
