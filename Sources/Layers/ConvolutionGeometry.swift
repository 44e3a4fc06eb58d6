/// Where a square kernel of side `kernel` lands on a `height` × `width` plane moved
/// `stride` at a time over a border of `padding` zeros: the arithmetic that a
/// convolution, its transpose and their patches share.
public struct ConvolutionGeometry: Sendable, Hashable {
    public let kernel: Int
    public let stride: Int
    public let padding: Int

    public init(kernel: Int, stride: Int = 1, padding: Int = 0) {
        precondition(kernel >= 1 && stride >= 1 && padding >= 0, "kernel and stride must be at least 1, padding at least 0")
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    /// The output side of a convolution over a side of `input` (PyTorch's formula, floor division).
    public func convolvedSide(_ input: Int) -> Int { (input + 2 * padding - kernel) / stride + 1 }

    /// The output side of a transposed convolution over a side of `input` (no output padding).
    public func transposedSide(_ input: Int) -> Int { (input - 1) * stride - 2 * padding + kernel }
}
