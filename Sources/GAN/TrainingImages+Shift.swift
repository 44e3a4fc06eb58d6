import Linalg

extension TrainingImages {
    /// Like `fill`, but image `k` moved by `offsets[k]` pixels (dx right, dy down) on its
    /// 28 × 28 grid, the uncovered border left as background (-1). Small shifts are the
    /// classic augmentation that keeps an MLP from memorising where strokes sit, which
    /// matters on a 4,000-image training set.
    public func fill(_ batch: inout Matrix, indices: ArraySlice<Int>, offsets: [(dx: Int, dy: Int)]) {
        precondition(batch.rows >= indices.count && batch.columns == pixelsPerImage && offsets.count >= indices.count)
        let side = Int(Double(pixelsPerImage).squareRoot())
        precondition(side * side == pixelsPerImage, "shifts need square images")
        let scale: Float = 2.0 / 255.0
        pixels.withUnsafeBufferPointer { source in
            batch.storage.withUnsafeMutableBufferPointer { destination in
                for (row, index) in indices.enumerated() {
                    let (dx, dy) = offsets[row]
                    let from = index * pixelsPerImage, to = row * pixelsPerImage
                    for y in 0..<side {
                        let sy = y - dy
                        for x in 0..<side {
                            let sx = x - dx
                            destination[to + y * side + x] = sy >= 0 && sy < side && sx >= 0 && sx < side
                                ? Float(source[from + sy * side + sx]) * scale - 1 : -1
                        }
                    }
                }
            }
        }
    }
}
