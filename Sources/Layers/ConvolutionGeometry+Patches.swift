import Linalg

/// im2col and its adjoint over a whole batch in the layers' channels-last layout.
///
/// The patch matrix has a row per output position of every example (example e's from
/// e · positions) and a column per kernel tap and channel, (ky, kx, channel): one
/// product with the channels-last weights convolves the whole batch, and its output
/// rows are already the next layer's channels-last positions. Because each tap's
/// channels sit side by side in the activations too, a patch row is k runs of up to
/// k · channels contiguous values (1 KB at DCGAN's 14×14×64), copied or added whole.
extension ConvolutionGeometry {
    /// The patches of `batch` (examples × `shape.count`): row (e, oy, ox) holds the input
    /// values under the kernel at that output position, 0 over the padding.
    func patches(batch: Matrix, shape: TensorShape) -> Matrix {
        precondition(batch.columns == shape.count, "a row of \(batch.columns) is not one \(shape)")
        let plan = PatchPlan(self, shape, examples: batch.rows)
        return batch.storage.withUnsafeBufferPointer { x in
            Matrix(rows: plan.rows, columns: plan.rowLength) { patches in
                // Output rows (example, oy) split between threads: each writes its own.
                ParallelRanges.forEach(plan.examples * plan.outHeight) { lines in
                    for line in lines {
                        let e = line / plan.outHeight, oy = line % plan.outHeight
                        let image = x.baseAddress! + e * shape.count
                        var row = patches.baseAddress! + (line * plan.outWidth) * plan.rowLength
                        for ox in 0..<plan.outWidth {
                            for ky in 0..<kernel {
                                plan.copy(ky: ky, oy: oy, ox: ox, from: image, into: row + ky * plan.kernelRowLength)
                            }
                            row += plan.rowLength
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `patches(batch:shape:)`: the batch each of whose values is the
    /// sum of the patch entries that read it, added in the same order (position, then
    /// tap) whatever the split.
    func foldPatches(_ patches: Matrix, shape: TensorShape) -> Matrix {
        let positions = convolvedSide(shape.height) * convolvedSide(shape.width)
        let plan = PatchPlan(self, shape, examples: patches.rows / positions)
        precondition(patches.rows == plan.rows && patches.columns == plan.rowLength,
                     "patches are \(patches.rows)×\(patches.columns), not those of a batch of \(shape)")
        var batch = Matrix(rows: plan.examples, columns: shape.count)
        patches.storage.withUnsafeBufferPointer { source in
            batch.storage.withUnsafeMutableBufferPointer { x in
                // Examples split between threads: each adds into its own examples only.
                ParallelRanges.forEach(plan.examples) { examples in
                    for e in examples {
                        let image = x.baseAddress! + e * shape.count
                        var row = source.baseAddress! + e * positions * plan.rowLength
                        for oy in 0..<plan.outHeight {
                            for ox in 0..<plan.outWidth {
                                for ky in 0..<kernel {
                                    plan.add(ky: ky, oy: oy, ox: ox, from: row + ky * plan.kernelRowLength, into: image)
                                }
                                row += plan.rowLength
                            }
                        }
                    }
                }
            }
        }
        return batch
    }
}

/// The sizes both passes need, worked out once a call rather than once a row.
private struct PatchPlan {
    let shape: TensorShape
    let kernel: Int
    let stride: Int
    let padding: Int
    let outHeight: Int
    let outWidth: Int
    let examples: Int

    init(_ geometry: ConvolutionGeometry, _ shape: TensorShape, examples: Int) {
        self.shape = shape
        kernel = geometry.kernel
        stride = geometry.stride
        padding = geometry.padding
        outHeight = geometry.convolvedSide(shape.height)
        outWidth = geometry.convolvedSide(shape.width)
        self.examples = examples
    }

    var rows: Int { examples * outHeight * outWidth }
    /// One kernel row's values in a patch row: kx and channel.
    var kernelRowLength: Int { kernel * shape.channels }
    var rowLength: Int { kernel * kernelRowLength }

    /// The kernel columns kx at output column `ox` that fall inside the input.
    @inline(__always)
    func insideTaps(ox: Int) -> Range<Int> {
        let left = ox * stride - padding
        let first = max(0, -left), end = min(kernel, shape.width - left)
        return first..<max(first, end)
    }

    /// Kernel row `ky` of the patch at (oy, ox): a run of input values, zeros outside.
    @inline(__always)
    func copy(ky: Int, oy: Int, ox: Int, from image: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>) {
        let iy = oy * stride - padding + ky, c = shape.channels
        guard iy >= 0 && iy < shape.height else {
            target.update(repeating: 0, count: kernelRowLength)
            return
        }
        let taps = insideTaps(ox: ox), ix = ox * stride - padding + taps.lowerBound
        target.update(repeating: 0, count: taps.lowerBound * c)
        (target + taps.lowerBound * c).update(from: image + (iy * shape.width + ix) * c, count: taps.count * c)
        (target + taps.upperBound * c).update(repeating: 0, count: (kernel - taps.upperBound) * c)
    }

    /// The adjoint of `copy`: adds the run's inside values onto the image.
    @inline(__always)
    func add(ky: Int, oy: Int, ox: Int, from source: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        let iy = oy * stride - padding + ky, c = shape.channels
        guard iy >= 0 && iy < shape.height else { return }
        let taps = insideTaps(ox: ox), ix = ox * stride - padding + taps.lowerBound
        let target = image + (iy * shape.width + ix) * c, run = source + taps.lowerBound * c
        for i in 0..<(taps.count * c) { target[i] += run[i] }
    }
}
