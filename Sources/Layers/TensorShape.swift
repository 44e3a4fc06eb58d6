/// The shape of one example's activations, channels × height × width, stored
/// channels-last (PyTorch's `channels_last`, NHWC without the N): a batch is a `Matrix`
/// whose rows are examples and whose columns are `count` values, position by position
/// (y, then x), each position's channels side by side. A convolution's patches are
/// then runs of contiguous values and its product's rows the next layer's positions.
/// One channel, or a 1×1 plane, reads the same in either order.
public struct TensorShape: Sendable, Hashable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        precondition(channels > 0 && height > 0 && width > 0, "a shape's sides must be positive")
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// A flat vector of `count` values (a dense layer's input or output).
    public static func vector(_ count: Int) -> TensorShape { TensorShape(channels: count, height: 1, width: 1) }

    /// Values in one example.
    public var count: Int { channels * height * width }
    /// Values in one channel's plane.
    public var plane: Int { height * width }

    public var description: String { "\(channels)×\(height)×\(width)" }
}
