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
        let examples = batch.rows
        return batch.storage.withUnsafeBufferPointer { source in
            Matrix(rows: channels, columns: examples * plane) { target in
                let from = source.baseAddress!, to = target.baseAddress!
                ParallelRanges.forEach(examples) { range in
                for e in range {
                    for c in 0..<channels {
                        (to + c * examples * plane + e * plane).initialize(from: from + (e * channels + c) * plane, count: plane)
                    }
                }
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
                let from = source.baseAddress!, to = target.baseAddress!
                ParallelRanges.forEach(examples) { range in
                for e in range {
                    for c in 0..<channels {
                        let line = from + c * examples * plane + e * plane, out = to + (e * channels + c) * plane
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
        }
    }

    /// Each row's sum (a bias gradient from a channel-major gradient), as a 1 × rows matrix.
    static func rowSums(_ grouped: Matrix) -> Matrix {
        var sums = Matrix(rows: 1, columns: grouped.rows)
        grouped.storage.withUnsafeBufferPointer { g in
            sums.storage.withUnsafeMutableBufferPointer { sums in
            ParallelRanges.forEach(grouped.rows) { rows in
            for r in rows {
                var sum: Float = 0
                let line = g.baseAddress! + r * grouped.columns
                for i in 0..<grouped.columns { sum += line[i] }
                sums[r] = sum
            }
            }
            }
        }
        return sums
    }
}
