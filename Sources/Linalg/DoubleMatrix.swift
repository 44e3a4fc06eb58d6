#if canImport(Accelerate)
import Accelerate
#else
import CGantryBLAS
#endif

/// Square Double products for the quality scores' covariance algebra, through `cblas_dgemm`.
public enum DoubleMatrix {
    /// `a · op(b)` for row-major `n × n` matrices.
    public static func multiply(_ a: [Double], _ b: [Double], size n: Int, transposeB: Bool = false) -> [Double] {
        precondition(a.count == n * n && b.count == n * n)
        var c = [Double](repeating: 0, count: n * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(n), Int32(n), Int32(n),
                                1, pa.baseAddress, Int32(n), pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
                }
            }
        }
        return c
    }
}
