import Linalg

/// Inverted dropout's mask, a pure function of a key, a row and a column: the MLP
/// discriminator's hidden layer and the `Dropout` layer both draw from it.
///
/// Each step draws a key from the trainer's generator; whether unit (row, column) is
/// kept is a hash of the three. So a lane can mask its own rows without a shared mask
/// buffer, the forward pass and the backward pass agree without storing the mask, and
/// any split of the rows gives the same bits.
public enum DropoutMask {
    /// Whether unit (`row`, `column`) is kept under `key` at drop rate `rate`.
    @inline(__always)
    public static func keeps(key: UInt64, row: Int, column: Int, rate: Float) -> Bool {
        // SplitMix64's finaliser over the three: every bit of the inputs moves every output bit.
        var z = key &+ (UInt64(truncatingIfNeeded: row) << 32 | UInt64(truncatingIfNeeded: column)) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) >= rate * Float(1 << 24)
    }

    /// Multiplies every element of `block` by its unit's scale: 0 when dropped, 1/(1 − rate)
    /// when kept. Row r of `block` is mask row `firstRow + r`. Applied to activations in
    /// the forward pass and to their gradient in the backward pass, with the same key.
    public static func apply(_ block: MatrixBlock, firstRow: Int, key: UInt64, rate: Float) {
        guard rate > 0 else { return }
        let scale = 1 / (1 - rate)
        for r in 0..<block.rows {
            let row = block.row(r)
            for c in 0..<block.columns {
                row[c] *= keeps(key: key, row: firstRow + r, column: c, rate: rate) ? scale : 0
            }
        }
    }

    /// `apply` on a whole matrix: the layer-by-layer reference's form.
    public static func apply(_ matrix: inout Matrix, key: UInt64, rate: Float) {
        matrix.withMutableBlock { apply($0, firstRow: 0, key: key, rate: rate) }
    }
}
