import Linalg

/// Views the same values under another shape, as `torch.nn.Unflatten` / `Flatten`.
/// It has no parameters but takes a position in a `Sequential`, as it does in
/// PyTorch's, so parameter names stay aligned with an equivalent `nn.Sequential`.
///
/// PyTorch flattens (channel, y, x); the layers hold images channels-last (y, x,
/// channel). So between a vector and an image of several channels and positions the
/// values are regrouped, which keeps a dense layer's weights PyTorch's own; where
/// either order is the same (one channel, or a 1×1 plane) nothing moves.
public struct Reshape: Layer {
    public let inputShape: TensorShape
    public let outputShape: TensorShape

    /// A batch row read as outer × inner and written transposed going forward (its
    /// transpose going back), or nil when both orders are the same: fixed by the shapes.
    private let forwardBlock: (outer: Int, inner: Int)?

    public init(from input: TensorShape, to output: TensorShape) {
        precondition(input.count == output.count, "\(input) and \(output) hold different counts")
        precondition(Self.isFlat(input) || Self.isFlat(output) || input == output, "\(input) to \(output) is neither a flatten nor an unflatten")
        inputShape = input
        outputShape = output
        switch (Self.isFlat(input), Self.isFlat(output)) {
        case (true, false): forwardBlock = (output.channels, output.plane)
        case (false, true): forwardBlock = (input.plane, input.channels)
        default: forwardBlock = nil
        }
    }

    /// Whether a shape's values are in the same order channel-first and channels-last.
    private static func isFlat(_ shape: TensorShape) -> Bool { shape.channels == 1 || shape.plane == 1 }

    public typealias Cache = Void

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Void) {
        guard let (outer, inner) = forwardBlock else { return (input, ()) }
        return (input.transposingEachRow(outer: outer, inner: inner), ())
    }

    public func backward(_ outputGradient: Matrix, cache: Void, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        guard let (outer, inner) = forwardBlock else { return (outputGradient, []) }
        return (outputGradient.transposingEachRow(outer: inner, inner: outer), [])
    }

    public var parameters: [(name: String, value: Matrix)] { [] }
    public var torchModule: TorchModule {
        // By the shapes, not by whether values move: 784 to 1×28×28 moves nothing but is
        // PyTorch's Unflatten all the same.
        if inputShape.plane > 1 && outputShape.plane == 1 { return .flatten }
        if inputShape.plane == 1 && outputShape.plane > 1 { return .unflatten(outputShape) }
        return .identity
    }
    public mutating func setParameters(_ values: [Matrix]) { precondition(values.isEmpty, "a reshape has no parameters") }
}
