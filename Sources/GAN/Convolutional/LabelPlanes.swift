import Linalg

/// A conditional discriminator's input: each image followed by one 28×28 plane per
/// class, all ones for the row's label and zeros for the others: the one-hot of
/// `LabelInput` broadcast over the image, so the first convolution sees the digit
/// at every position.
enum LabelPlanes {
    static func appending(_ labels: [Int], classes: Int, to images: Matrix) -> Matrix {
        let pixels = images.columns
        precondition(labels.count == images.rows, "\(labels.count) labels for \(images.rows) images")
        var out = Matrix(rows: images.rows, columns: pixels * (1 + classes))
        out.storage.withUnsafeMutableBufferPointer { o in
            images.storage.withUnsafeBufferPointer { x in
                for r in 0..<images.rows {
                    let row = r * out.columns
                    for i in 0..<pixels { o[row + i] = x[r * pixels + i] }
                    let label = labels[r]
                    precondition(label >= 0 && label < classes, "label \(label) outside 0..<\(classes)")
                    let plane = row + pixels * (1 + label)
                    for i in 0..<pixels { o[plane + i] = 1 }
                }
            }
        }
        return out
    }

    /// The image columns of a gradient with respect to such an input (the planes are constants).
    static func imageColumns(of gradient: Matrix, pixels: Int) -> Matrix {
        guard gradient.columns != pixels else { return gradient }
        var out = Matrix(rows: gradient.rows, columns: pixels)
        for r in 0..<gradient.rows {
            for i in 0..<pixels { out.storage[r * pixels + i] = gradient.storage[r * gradient.columns + i] }
        }
        return out
    }
}
