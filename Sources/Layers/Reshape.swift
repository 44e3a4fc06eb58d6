import Linalg

/// Views the same values under another shape, as `torch.nn.Unflatten` / `Flatten`:
/// a batch row is already in channel-major order, so nothing moves. It has no
/// parameters but takes a position in a `Sequential`, as it does in PyTorch's, so
/// parameter names stay aligned with an equivalent `nn.Sequential`.
public struct Reshape: Layer {
    public let inputShape: TensorShape
    public let outputShape: TensorShape

    public init(from input: TensorShape, to output: TensorShape) {
        precondition(input.count == output.count, "\(input) and \(output) hold different counts")
        inputShape = input
        outputShape = output
    }

    public typealias Cache = Void

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Void) { (input, ()) }

    public func backward(_ outputGradient: Matrix, cache: Void, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        (outputGradient, [])
    }

    public var parameters: [(name: String, value: Matrix)] { [] }
    public mutating func setParameters(_ values: [Matrix]) { precondition(values.isEmpty, "a reshape has no parameters") }
}
