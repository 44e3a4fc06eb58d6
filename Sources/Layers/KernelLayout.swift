import Linalg

/// A kernel's columns in the two orders that meet in a convolution layer: PyTorch's
/// (channel, ky, kx), in which weights are stored, named and saved, and the
/// channels-last (ky, kx, channel) that the layers' channels-last patches need, each
/// tap's channels side by side as they are in the activations.
///
/// A weight is at most a few hundred kilobytes, so regrouping it on every update costs
/// nothing next to the products; the activations, a hundred times larger, are not
/// regrouped around a convolution at all.
enum KernelLayout {
    /// Each row's (channel, tap) columns as (tap, channel): `channels` × `taps` per row.
    static func channelsLast(_ weight: Matrix, channels: Int, taps: Int) -> Matrix {
        weight.transposingEachRow(outer: channels, inner: taps)
    }

    /// The inverse of `channelsLast`: (tap, channel) columns back to (channel, tap).
    static func channelsFirst(_ weight: Matrix, channels: Int, taps: Int) -> Matrix {
        weight.transposingEachRow(outer: taps, inner: channels)
    }
}
