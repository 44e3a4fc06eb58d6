/// Where a square kernel of side `kernel` lands on a `height` × `width` plane moved
/// `stride` at a time over a border of `padding` zeros: the arithmetic that a
/// convolution, its transpose and their im2col and col2im share.
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

    /// Unfolds one example (`channels` planes of `height` × `width` at `image`) into
    /// `columns`: (channels · kernel²) rows × (outHeight · outWidth) columns, row
    /// (c, ky, kx) holding the input value each output position's kernel tap reads
    /// (0 over the padding). A convolution is then one product with its weights.
    /// `rowStride` (default: the positions) is the distance between rows, so a batch's
    /// examples can sit side by side in one matrix, example e's columns from e · positions.
    public func im2col(_ image: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                       into columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let outHeight = convolvedSide(height), outWidth = convolvedSide(width)
        let positions = rowStride ?? outHeight * outWidth
        for c in 0..<channels {
            let plane = image + c * height * width
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    let row = columns + ((c * kernel + ky) * kernel + kx) * positions
                    for oy in 0..<outHeight {
                        let y = oy * stride - padding + ky
                        let line = row + oy * outWidth
                        guard y >= 0 && y < height else {
                            line.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let inside = insideRange(tap: kx, side: width, outSide: outWidth)
                        line.update(repeating: 0, count: inside.lowerBound)
                        let source = plane + y * width - padding + kx
                        for ox in inside { line[ox] = source[ox * stride] }
                        (line + inside.upperBound).update(repeating: 0, count: outWidth - inside.upperBound)
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds each column entry back onto the input value it was
    /// read from (entries over the padding are dropped). `image` is accumulated into,
    /// so the caller zeroes it first. `rowStride` as for `im2col`.
    public func col2im(_ columns: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                       into image: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let outHeight = convolvedSide(height), outWidth = convolvedSide(width)
        let positions = rowStride ?? outHeight * outWidth
        for c in 0..<channels {
            let plane = image + c * height * width
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    let row = columns + ((c * kernel + ky) * kernel + kx) * positions
                    for oy in 0..<outHeight {
                        let y = oy * stride - padding + ky
                        guard y >= 0 && y < height else { continue }
                        let line = row + oy * outWidth
                        let target = plane + y * width - padding + kx
                        for ox in insideRange(tap: kx, side: width, outSide: outWidth) { target[ox * stride] += line[ox] }
                    }
                }
            }
        }
    }

    /// The output positions along a side whose kernel tap `tap` falls inside the input
    /// (0 ≤ o·stride − padding + tap < side): one range, so the loops need no test per value.
    @inline(__always)
    func insideRange(tap: Int, side: Int, outSide: Int) -> Range<Int> {
        let offset = tap - padding
        // First o with o·stride + offset ≥ 0, and first with o·stride + offset ≥ side.
        let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let end = side - offset <= 0 ? 0 : (side - offset + stride - 1) / stride
        return min(first, outSide)..<max(min(end, outSide), min(first, outSide))
    }
}
