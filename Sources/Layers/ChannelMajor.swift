import Linalg

/// A batch regrouped by channel: rows of examples, each `channels` planes of `plane`
/// values (the layers' layout, `TensorShape`'s order), become `channels` rows of
/// examples × `plane` values, example e's plane at columns e·plane ..< (e+1)·plane.
///
/// A convolution over the whole batch is then one product (weights × the batch's
/// columns) rather than one small product per example: at DCGAN's shapes the per-example
/// products are 49 or 196 columns wide, too narrow for sgemm's kernels to run at speed.
enum ChannelMajor {
    /// `batch` (examples × channels·plane) regrouped as channels × (examples·plane).
    static func gather(_ batch: Matrix, channels: Int, plane: Int) -> Matrix {
        precondition(batch.columns == channels * plane, "a row of \(batch.columns) is not \(channels) planes of \(plane)")
        return batch.storage.withUnsafeBufferPointer { source in
            Matrix(rows: channels, columns: batch.rows * plane) { target in
                forEachPlane(examples: batch.rows, channels: channels, plane: plane) { _, batchOffset, groupedOffset in
                    (target.baseAddress! + groupedOffset).initialize(from: source.baseAddress! + batchOffset, count: plane)
                }
            }
        }
    }

    /// The inverse of `gather`, adding `bias[c]` to channel c's values when given.
    static func scatter(_ grouped: Matrix, plane: Int, bias: Matrix? = nil) -> Matrix {
        let channels = grouped.rows, examples = grouped.columns / plane
        precondition(examples * plane == grouped.columns, "a row of \(grouped.columns) is not whole planes of \(plane)")
        precondition(bias.map { $0.count == channels } ?? true, "one bias per channel")
        return grouped.storage.withUnsafeBufferPointer { source in
            Matrix(rows: examples, columns: channels * plane) { target in
                forEachPlane(examples: examples, channels: channels, plane: plane) { c, batchOffset, groupedOffset in
                    let line = source.baseAddress! + groupedOffset, out = target.baseAddress! + batchOffset
                    if let bias {
                        let b = bias.storage[c]
                        for i in 0..<plane { out[i] = line[i] + b }
                    } else {
                        out.initialize(from: line, count: plane)
                    }
                }
            }
        }
    }

    /// Each row's sum (a bias gradient from a channel-major gradient), as a 1 × rows matrix.
    static func rowSums(_ grouped: Matrix) -> Matrix {
        var sums = Matrix(rows: 1, columns: grouped.rows)
        grouped.storage.withUnsafeBufferPointer { g in
            sums.storage.withUnsafeMutableBufferPointer { sums in
                ParallelRanges.forEach(grouped.rows) { rows in
                    for r in rows { sums[r] = sum(g.baseAddress! + r * grouped.columns, count: grouped.columns) }
                }
            }
        }
        return sums
    }

    /// Each channel's sum over a batch in the layers' layout (examples × channels·plane),
    /// added plane by plane in example order: `rowSums(gather(batch))` without the copy.
    static func channelSums(_ batch: Matrix, channels: Int, plane: Int) -> Matrix {
        precondition(batch.columns == channels * plane, "a row of \(batch.columns) is not \(channels) planes of \(plane)")
        var sums = Matrix(rows: 1, columns: channels)
        batch.storage.withUnsafeBufferPointer { x in
            sums.storage.withUnsafeMutableBufferPointer { sums in
                ParallelRanges.forEach(channels) { range in
                    for c in range {
                        var total: Float = 0
                        for e in 0..<batch.rows { total = sum(x.baseAddress! + (e * channels + c) * plane, count: plane, from: total) }
                        sums[c] = total
                    }
                }
            }
        }
        return sums
    }

    /// `start` plus `count` values, added in order.
    private static func sum(_ values: UnsafePointer<Float>, count: Int, from start: Float = 0) -> Float {
        var total = start
        for i in 0..<count { total += values[i] }
        return total
    }

    /// Calls `body(channel, offset in the batch, offset in the grouped matrix)` for every
    /// plane, examples split between threads (each plane is one call's alone).
    private static func forEachPlane(examples: Int, channels: Int, plane: Int, _ body: (Int, Int, Int) -> Void) {
        ParallelRanges.forEach(examples) { range in
            for e in range {
                for c in 0..<channels { body(c, (e * channels + c) * plane, (c * examples + e) * plane) }
            }
        }
    }
}
