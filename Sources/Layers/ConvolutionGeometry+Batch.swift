import Linalg

/// im2col and col2im over a whole batch (rows of examples of one `TensorShape`).
///
/// The unfolded matrix has a row per kernel tap (c, ky, kx) and a column per output
/// position of every example, example e's from e · positions, so one product with the
/// weights convolves the whole batch. Both passes walk it row by row, each row across
/// all examples: its writes (im2col) or reads (col2im) run in order through tens of
/// megabytes, and only the side of the batch, a quarter the size, jumps.
extension ConvolutionGeometry {
    /// The unfolded batch: row (c, ky, kx) holds, for each output position, the input
    /// value that tap reads (0 over the padding).
    func im2col(batch: Matrix, shape: TensorShape) -> Matrix {
        precondition(batch.columns == shape.count, "a row of \(batch.columns) is not one \(shape)")
        let plan = TapPlan(self, shape, examples: batch.rows)
        return batch.storage.withUnsafeBufferPointer { x in
            Matrix(rows: plan.taps, columns: plan.width) { columns in
                // Rows split between threads: each writes its own.
                ParallelRanges.forEach(plan.taps) { rows in
                    for row in rows {
                        var line = columns.baseAddress! + row * plan.width
                        for e in 0..<batch.rows {
                            unfold(tap: row, from: x.baseAddress! + e * shape.count, plan, into: line)
                            line += plan.positions
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col(batch:shape:)`: the batch each of whose values is the sum
    /// of the entries read from it, added in row order whatever the split.
    func col2im(batch columns: Matrix, shape: TensorShape) -> Matrix {
        let plan = TapPlan(self, shape, examples: columns.columns / (convolvedSide(shape.height) * convolvedSide(shape.width)))
        precondition(columns.rows == plan.taps && columns.columns == plan.width,
                     "columns are \(columns.rows)×\(columns.columns), not those of a batch of \(shape)")
        var batch = Matrix(rows: plan.examples, columns: shape.count)
        columns.storage.withUnsafeBufferPointer { source in
            batch.storage.withUnsafeMutableBufferPointer { x in
                // Examples split between threads: each adds into its own examples only.
                ParallelRanges.forEach(plan.examples) { examples in
                    for row in 0..<plan.taps {
                        var line = source.baseAddress! + row * plan.width + examples.lowerBound * plan.positions
                        for e in examples {
                            fold(tap: row, from: line, plan, into: x.baseAddress! + e * shape.count)
                            line += plan.positions
                        }
                    }
                }
            }
        }
        return batch
    }

    /// One example's part of row `tap`: its output positions, from `image` (one example).
    private func unfold(tap: Int, from image: UnsafePointer<Float>, _ plan: TapPlan, into line: UnsafeMutablePointer<Float>) {
        let (c, ky, kx) = plan.decode(tap), inside = plan.inside[kx], width = plan.shape.width
        var line = line
        for oy in 0..<plan.outHeight {
            let y = oy * stride - padding + ky
            if y >= 0 && y < plan.shape.height {
                line.update(repeating: 0, count: inside.lowerBound)
                let source = image + c * plan.shape.plane + y * width - padding + kx
                for ox in inside { line[ox] = source[ox * stride] }
                (line + inside.upperBound).update(repeating: 0, count: plan.outWidth - inside.upperBound)
            } else {
                line.update(repeating: 0, count: plan.outWidth)
            }
            line += plan.outWidth
        }
    }

    /// The adjoint of `unfold`: adds one example's part of row `tap` onto `image`.
    private func fold(tap: Int, from line: UnsafePointer<Float>, _ plan: TapPlan, into image: UnsafeMutablePointer<Float>) {
        let (c, ky, kx) = plan.decode(tap), inside = plan.inside[kx], width = plan.shape.width
        var line = line
        for oy in 0..<plan.outHeight {
            let y = oy * stride - padding + ky
            if y >= 0 && y < plan.shape.height {
                let target = image + c * plan.shape.plane + y * width - padding + kx
                for ox in inside { target[ox * stride] += line[ox] }
            }
            line += plan.outWidth
        }
    }
}

/// The sizes both passes need, worked out once a call rather than once a row.
private struct TapPlan {
    let shape: TensorShape
    let kernel: Int
    let outHeight: Int
    let outWidth: Int
    let examples: Int
    /// For each kx, the output columns whose tap falls inside the input.
    let inside: [Range<Int>]

    init(_ geometry: ConvolutionGeometry, _ shape: TensorShape, examples: Int) {
        self.shape = shape
        kernel = geometry.kernel
        outHeight = geometry.convolvedSide(shape.height)
        outWidth = geometry.convolvedSide(shape.width)
        self.examples = examples
        inside = (0..<geometry.kernel).map { geometry.insideRange(tap: $0, side: shape.width, outSide: geometry.convolvedSide(shape.width)) }
    }

    var positions: Int { outHeight * outWidth }
    var width: Int { examples * positions }
    var taps: Int { shape.channels * kernel * kernel }

    /// Row `tap`'s channel and kernel offsets.
    func decode(_ tap: Int) -> (channel: Int, ky: Int, kx: Int) {
        (tap / (kernel * kernel), tap / kernel % kernel, tap % kernel)
    }
}
