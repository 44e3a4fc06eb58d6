/// Element-wise kernels over raw buffers, written with explicit `SIMD8<Float>` so they
/// vectorize on any x86-64 or arm64 target (the autovectorizer gave up on the
/// multi-buffer loops: measured in docs/benchmarks.md). The scalar tails run the same
/// IEEE operations in the same order, so results do not depend on where a value falls.
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

public enum Elementwise {
    public typealias Vector = SIMD8<Float>

    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inlinable @inline(__always)
    public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// `tanh`, vectorizable: the [13/6] rational approximation Eigen uses for float,
    /// within 2e-6 of the true value. libm's scalar `tanhf` costs about as much per
    /// call as a row of the generator's output GEMM. The scalar form (for tails) runs
    /// the vector one, so a value's result never depends on where it sits in a buffer.
    @inlinable @inline(__always)
    public static func fastTanh(_ input: Float) -> Float {
        fastTanh(Vector(repeating: input))[0]
    }

    /// The same function, eight lanes at a time.
    @inlinable @inline(__always)
    public static func fastTanh(_ input: Vector) -> Vector {
        let high = Vector(repeating: 7.90531110763549805), low = -high
        var x = input.replacing(with: high, where: input .> high)
        x.replace(with: low, where: x .< low)
        let x2 = x * x
        var p = Vector(repeating: -2.76076847742355e-16)
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 + -8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        p = p * x
        var q = Vector(repeating: 1.19825839466702e-06)
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        return p / q
    }

    /// Lane-wise square root as one instruction per four lanes. The standard library's
    /// `SIMD.squareRoot()` goes lane by lane through `sqrtf`, which was a third of the
    /// Adam update's time. Correctly rounded like the scalar `squareRoot()`.
    @inlinable @inline(__always)
    public static func squareRoot(_ v: Vector) -> Vector {
        #if arch(x86_64)
        return Vector(lowHalf: _mm_sqrt_ps(v.lowHalf), highHalf: _mm_sqrt_ps(v.highHalf))
        #else
        return v.squareRoot()
        #endif
    }

    /// `x = x + bias` for every row of a block.
    public static func addRowVector(_ x: MatrixBlock, bias b: UnsafePointer<Float>) {
        let columns = x.columns
        for r in 0..<x.rows {
            let row = x.row(r)
            var c = 0
            while c + 8 <= columns { store(load(row + c) + load(b + c), row + c); c += 8 }
            while c < columns { row[c] += b[c]; c += 1 }
        }
    }

    /// `sums[c] = Σ_r x[r, c]`, the gradient of a bias: each column summed in row order,
    /// so a block of columns gets the same sums as the whole matrix would.
    public static func columnSums(_ x: MatrixBlock, into s: UnsafeMutablePointer<Float>) {
        let columns = x.columns
        for c in 0..<columns { s[c] = 0 }
        for r in 0..<x.rows {
            let row = x.row(r)
            var c = 0
            while c + 8 <= columns { store(load(s + c) + load(row + c), s + c); c += 8 }
            while c < columns { s[c] += row[c]; c += 1 }
        }
    }

    /// Runs `vector` over every full group of eight elements and `scalar` over the rest.
    @inlinable @inline(__always)
    public static func forEachLane(count: Int, vector: (Int) -> Void, scalar: (Int) -> Void) {
        var i = 0
        while i + 8 <= count { vector(i); i += 8 }
        while i < count { scalar(i); i += 1 }
    }
}
