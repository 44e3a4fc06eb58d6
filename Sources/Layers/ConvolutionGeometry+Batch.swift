import Linalg

extension ConvolutionGeometry {
    /// Every example of `batch` (rows of `shape`) unfolded side by side: (channels ·
    /// kernel²) rows × (examples · positions), example e's columns from e · positions,
    /// so one product with the weights convolves the whole batch.
    ///
    /// Row by row, each row across all examples: the writes run in order through the
    /// columns (tens of megabytes at DCGAN's shapes) and only the reads, from a batch a
    /// quarter the size, jump; example by example, each write would land on another page.
    func im2col(batch: Matrix, shape: TensorShape) -> Matrix {
        precondition(batch.columns == shape.count, "a row of \(batch.columns) is not one \(shape)")
        let outHeight = convolvedSide(shape.height), outWidth = convolvedSide(shape.width)
        let positions = outHeight * outWidth, width = batch.rows * positions
        let (height, side) = (shape.height, shape.width)
        return batch.storage.withUnsafeBufferPointer { x in
            Matrix(rows: shape.channels * kernel * kernel, columns: width) { columns in
                // Rows split between threads: each writes its own.
                ParallelRanges.forEach(columns.count / width) { rows in
                    for row in rows {
                            let (c, ky, kx) = (row / (kernel * kernel), row / kernel % kernel, row % kernel)
                            let inside = insideRange(tap: kx, side: side, outSide: outWidth)
                            var line = columns.baseAddress! + ((c * kernel + ky) * kernel + kx) * width
                            for e in 0..<batch.rows {
                                let plane = x.baseAddress! + e * shape.count + c * height * side
                                for oy in 0..<outHeight {
                                    let y = oy * stride - padding + ky
                                    if y >= 0 && y < height {
                                        line.update(repeating: 0, count: inside.lowerBound)
                                        let source = plane + y * side - padding + kx
                                        for ox in inside { line[ox] = source[ox * stride] }
                                        (line + inside.upperBound).update(repeating: 0, count: outWidth - inside.upperBound)
                                    } else {
                                        line.update(repeating: 0, count: outWidth)
                                    }
                                    line += outWidth
                                }
                            }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col(batch:shape:)`: the batch (examples × `shape.count`) each
    /// of whose values is the sum of the column entries read from it, added in row order
    /// (so in the same order as the one-example `col2im`).
    func col2im(batch columns: Matrix, shape: TensorShape) -> Matrix {
        let outHeight = convolvedSide(shape.height), outWidth = convolvedSide(shape.width)
        let positions = outHeight * outWidth, examples = columns.columns / positions
        precondition(columns.rows == shape.channels * kernel * kernel && examples * positions == columns.columns,
                     "columns are \(columns.rows)×\(columns.columns), not those of a batch of \(shape)")
        let (height, side) = (shape.height, shape.width)
        var batch = Matrix(rows: examples, columns: shape.count)
        columns.storage.withUnsafeBufferPointer { source in
            batch.storage.withUnsafeMutableBufferPointer { x in
                // Examples split between threads: each adds into its own examples, in row order.
                ParallelRanges.forEach(examples) { range in
                for c in 0..<shape.channels {
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let inside = insideRange(tap: kx, side: side, outSide: outWidth)
                            var line = source.baseAddress! + ((c * kernel + ky) * kernel + kx) * columns.columns + range.lowerBound * positions
                            for e in range {
                                let plane = x.baseAddress! + e * shape.count + c * height * side
                                for oy in 0..<outHeight {
                                    let y = oy * stride - padding + ky
                                    if y >= 0 && y < height {
                                        let target = plane + y * side - padding + kx
                                        for ox in inside { target[ox * stride] += line[ox] }
                                    }
                                    line += outWidth
                                }
                            }
                        }
                    }
                }
                }
            }
        }
        return batch
    }
}
