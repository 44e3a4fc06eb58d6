import Linalg

/// A training set as the trainer sees it: 8-bit images, one after the other.
///
/// Kept as `UInt8` (60,000 MNIST images are 47 MB, not 188 MB as floats) and scaled
/// to [-1, 1] only when a batch is drawn, as the notebook's `batch*2 - 1` does.
public struct TrainingImages: Sendable {
    public let count: Int
    public let pixelsPerImage: Int
    public let pixels: [UInt8]

    public init(count: Int, pixelsPerImage: Int, pixels: [UInt8]) {
        precondition(pixels.count == count * pixelsPerImage, "pixel buffer does not match \(count) images of \(pixelsPerImage)")
        self.count = count
        self.pixelsPerImage = pixelsPerImage
        self.pixels = pixels
    }

    /// Writes images `indices` into `batch`'s first rows, scaled from [0, 255] to [-1, 1].
    public func fill(_ batch: inout Matrix, indices: ArraySlice<Int>) {
        precondition(batch.rows >= indices.count && batch.columns == pixelsPerImage)
        batch.withMutableBlock { block in
            indices.withUnsafeBufferPointer { fill(block, indices: $0) }
        }
    }

    /// The same into a block's first rows: a lane's share of a batch.
    public func fill(_ block: MatrixBlock, indices: UnsafeBufferPointer<Int>) {
        precondition(block.rows >= indices.count && block.columns == pixelsPerImage)
        let width = pixelsPerImage
        let scale: Float = 2.0 / 255.0
        pixels.withUnsafeBufferPointer { source in
            guard let s = source.baseAddress else { return }
            let scaleV = SIMD8<Float>(repeating: scale), one = SIMD8<Float>(repeating: 1)
            for (row, index) in indices.enumerated() {
                precondition(index >= 0 && index < count, "image \(index) outside 0..<\(count)")
                let from = s + index * width, to = block.row(row)
                Elementwise.forEachLane(count: width, vector: { p in
                    let bytes = UnsafeRawPointer(from + p).loadUnaligned(as: SIMD8<UInt8>.self)
                    Elementwise.store(SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: bytes)) * scaleV - one, to + p)
                }, scalar: { p in
                    to[p] = Float(from[p]) * scale - 1
                })
            }
        }
    }
}

extension TrainingImages {
    /// Deterministic noise images: the same work per step as real data, for timing and tests.
    public static func synthetic(count: Int, seed: UInt64) -> TrainingImages {
        var rng = Xoshiro256StarStar(seed: seed)
        let pixels = (0..<(count * TrainingConfig.imagePixels)).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 56) }
        return TrainingImages(count: count, pixelsPerImage: TrainingConfig.imagePixels, pixels: pixels)
    }
}
