#if canImport(Accelerate)
import Accelerate
#else
import CGantryBLAS
#endif

/// Whether a GEMM operand is read as stored or transposed.
public enum Transpose: Sendable {
    case none
    case transposed

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

extension Matrix {
    /// `c = alpha * op(a) * op(b) + beta * c` through `cblas_sgemm`.
    ///
    /// Transposes are flags to BLAS, never copies.
    @inlinable
    public static func multiply(
        _ a: Matrix, _ b: Matrix, into c: inout Matrix,
        transposeA: Transpose = .none, transposeB: Transpose = .none,
        alpha: Float = 1, beta: Float = 0
    ) {
        withProductBlocks(a, b, &c) { a, b, c in
            MatrixBlock.multiply(a, b, into: c, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
        }
    }

    /// A product's three operands as blocks, for the duration of `body`.
    @inlinable
    static func withProductBlocks(_ a: Matrix, _ b: Matrix, _ c: inout Matrix, _ body: (MatrixBlock, MatrixBlock, MatrixBlock) -> Void) {
        a.withBlock { a in
            b.withBlock { b in
                c.withMutableBlock { c in body(a, b, c) }
            }
        }
    }
}

extension MatrixBlock {
    /// `c = alpha * op(a) * op(b) + beta * c` through `cblas_sgemm`, on blocks: a
    /// block of rows or columns is a product's share of a bigger one.
    public static func multiply(
        _ a: MatrixBlock, _ b: MatrixBlock, into c: MatrixBlock,
        transposeA: Transpose = .none, transposeB: Transpose = .none,
        alpha: Float = 1, beta: Float = 0
    ) {
        let m = transposeA == .none ? a.rows : a.columns
        let k = transposeA == .none ? a.columns : a.rows
        let kb = transposeB == .none ? b.rows : b.columns
        let n = transposeB == .none ? b.columns : b.rows
        precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
        precondition(c.rows == m && c.columns == n, "result is \(c.rows)x\(c.columns), product is \(m)x\(n)")
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, transposeA.cblas, transposeB.cblas,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a.base, Int32(a.stride), b.base, Int32(b.stride),
                    beta, c.base, Int32(c.stride))
    }
}

/// The BLAS library's own thread pool.
public enum BLASThreads {
    /// Sets how many threads OpenBLAS uses for each product. Process-wide by nature:
    /// OpenBLAS keeps one pool, which is why one job owns it at a time.
    public static func set(_ count: Int) {
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(max(1, count)))
        #endif
    }

    public static var current: Int {
        #if canImport(Accelerate)
        return 1
        #else
        return Int(openblas_get_num_threads())
        #endif
    }
}
