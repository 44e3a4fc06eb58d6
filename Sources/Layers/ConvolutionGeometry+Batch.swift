import Linalg

extension ConvolutionGeometry {
    /// Every example of `batch` (rows of `shape`) unfolded side by side: (channels ·
    /// kernel²) rows × (examples · positions), example e's columns from e · positions,
    /// so one product with the weights convolves the whole batch.
    func im2col(batch: Matrix, shape: TensorShape) -> Matrix {
        precondition(batch.columns == shape.count, "a row of \(batch.columns) is not one \(shape)")
        let positions = convolvedSide(shape.height) * convolvedSide(shape.width), width = batch.rows * positions
        return batch.storage.withUnsafeBufferPointer { x in
            Matrix(rows: shape.channels * kernel * kernel, columns: width) { c in
                for e in 0..<batch.rows {
                    im2col(x.baseAddress! + e * shape.count, channels: shape.channels, height: shape.height, width: shape.width,
                           into: c.baseAddress! + e * positions, rowStride: width)
                }
            }
        }
    }

    /// The adjoint of `im2col(batch:shape:)`: the batch (examples × `shape.count`) each
    /// of whose values is the sum of the column entries read from it.
    func col2im(batch columns: Matrix, shape: TensorShape) -> Matrix {
        let positions = convolvedSide(shape.height) * convolvedSide(shape.width), examples = columns.columns / positions
        precondition(columns.rows == shape.channels * kernel * kernel && examples * positions == columns.columns,
                     "columns are \(columns.rows)×\(columns.columns), not those of a batch of \(shape)")
        var batch = Matrix(rows: examples, columns: shape.count)
        columns.storage.withUnsafeBufferPointer { c in
            batch.storage.withUnsafeMutableBufferPointer { x in
                for e in 0..<examples {
                    col2im(c.baseAddress! + e * positions, channels: shape.channels, height: shape.height, width: shape.width,
                           into: x.baseAddress! + e * shape.count, rowStride: columns.columns)
                }
            }
        }
        return batch
    }
}
