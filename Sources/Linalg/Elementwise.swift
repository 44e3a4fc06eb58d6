/// Element-wise kernels over raw buffers.
///
/// Each is one simple loop over contiguous memory with no calls inside, which is
/// what lets the optimizer vectorize it; check speed in the release build.
public enum Elementwise {
    /// `tanh`, vectorizable: the [13/6] rational approximation Eigen uses for
    /// float, exact to a few ulp on the clamped range. libm's scalar `tanhf` costs
    /// about as much per call as a whole row of the generator's output GEMM.
    @inlinable @inline(__always)
    public static func fastTanh(_ input: Float) -> Float {
        let x = min(max(input, -7.90531110763549805), 7.90531110763549805)
        let x2 = x * x
        var p: Float = -2.76076847742355e-16
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 + -8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        p = p * x
        var q: Float = 1.19825839466702e-06
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        return p / q
    }

    /// `x = x + bias` for every row of a rows x columns block.
    public static func addRowVector(_ x: UnsafeMutableBufferPointer<Float>, rows: Int, bias: UnsafeBufferPointer<Float>) {
        let columns = bias.count
        guard let x = x.baseAddress, let b = bias.baseAddress else { return }
        for r in 0..<rows {
            let row = x + r * columns
            for c in 0..<columns { row[c] += b[c] }
        }
    }

    /// `sums[c] = scale * Σ_r x[r, c]`, the gradient of a bias.
    public static func columnSums(_ x: UnsafeBufferPointer<Float>, rows: Int, into sums: UnsafeMutableBufferPointer<Float>, scale: Float = 1) {
        let columns = sums.count
        guard let x = x.baseAddress, let s = sums.baseAddress else { return }
        for c in 0..<columns { s[c] = 0 }
        for r in 0..<rows {
            let row = x + r * columns
            for c in 0..<columns { s[c] += row[c] }
        }
        if scale != 1 { for c in 0..<columns { s[c] *= scale } }
    }
}
