import Linalg

/// Per-channel passes over a batch in the layers' channels-last layout, where every
/// row of examples is positions × channels, so the whole batch reads as one
/// (examples · positions) × channels matrix: a channel is a column.
enum ChannelsLast {
    /// Adds `bias[c]` to every value of channel c.
    static func addBias(_ bias: Matrix, to batch: inout Matrix) {
        let channels = bias.count, values = batch.count
        precondition(channels > 0 && values % channels == 0, "\(values) values are not whole positions of \(channels) channels")
        bias.storage.withUnsafeBufferPointer { b in
            batch.storage.withUnsafeMutableBufferPointer { x in
                ParallelRanges.forEach(values / channels) { positions in
                    for p in positions {
                        let line = x.baseAddress! + p * channels
                        for c in 0..<channels { line[c] += b[c] }
                    }
                }
            }
        }
    }

    /// Each channel's sum over every position of every example (a bias gradient), as a
    /// 1 × channels matrix, added position by position in order: channels split between
    /// threads, so any split gives the same sums.
    static func channelSums(_ batch: Matrix, channels: Int) -> Matrix {
        let positions = batch.count / channels
        precondition(positions * channels == batch.count, "\(batch.count) values are not whole positions of \(channels) channels")
        var sums = Matrix(rows: 1, columns: channels)
        batch.storage.withUnsafeBufferPointer { x in
            sums.storage.withUnsafeMutableBufferPointer { sums in
                ParallelRanges.forEach(channels) { range in
                    for p in 0..<positions {
                        let line = x.baseAddress! + p * channels
                        for c in range { sums[c] += line[c] }
                    }
                }
            }
        }
        return sums
    }

    /// The same values as an (examples · positions) × channels matrix, or back: a
    /// product's operand or result, and the layers' batch, share one storage.
    static func positions(_ batch: Matrix, channels: Int) -> Matrix {
        Matrix(rows: batch.count / channels, columns: channels, storage: batch.storage)
    }

    static func examples(_ positions: Matrix, examples: Int) -> Matrix {
        Matrix(rows: examples, columns: positions.count / examples, storage: positions.storage)
    }
}
