import Linalg

/// A kernel's columns in the two orders that meet in a convolution layer: PyTorch's
/// (channel, ky, kx), in which weights are stored, named and saved, and the
/// channels-last (ky, kx, channel) that the layers' channels-last patches need, each
/// tap's channels side by side as they are in the activations.
///
/// A weight is at most a few hundred kilobytes, so regrouping it on every update costs
/// nothing next to the products; the activations, a hundred times larger, never move.
enum KernelLayout {
    /// Each row's (channel, tap) columns as (tap, channel): `channels` × `taps` per row.
    static func channelsLast(_ weight: Matrix, channels: Int, taps: Int) -> Matrix {
        regroup(weight, outer: channels, inner: taps)
    }

    /// The inverse of `channelsLast`: (tap, channel) columns back to (channel, tap).
    static func channelsFirst(_ weight: Matrix, channels: Int, taps: Int) -> Matrix {
        regroup(weight, outer: taps, inner: channels)
    }

    /// Each row read as an `outer` × `inner` block and written transposed.
    private static func regroup(_ weight: Matrix, outer: Int, inner: Int) -> Matrix {
        precondition(weight.columns == outer * inner, "a row of \(weight.columns) is not \(outer) × \(inner)")
        return weight.storage.withUnsafeBufferPointer { source in
            Matrix(rows: weight.rows, columns: weight.columns) { target in
                for r in 0..<weight.rows {
                    let from = source.baseAddress! + r * weight.columns, to = target.baseAddress! + r * weight.columns
                    for o in 0..<outer {
                        for i in 0..<inner { (to + i * outer + o).initialize(to: from[o * inner + i]) }
                    }
                }
            }
        }
    }
}
