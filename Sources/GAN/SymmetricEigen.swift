/// Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations, in
/// Double. Small and dependable for the 128 × 128 covariances of the quality scores,
/// where a LAPACK dependency would buy little.
public struct SymmetricEigen: Sendable {
    /// Ascending.
    public let values: [Double]
    /// Column `k` (row-major `n × n`) is the unit eigenvector of `values[k]`.
    public let vectors: [Double]
    public let size: Int

    public init(_ matrix: [Double], size n: Int, tolerance: Double = 1e-12, maxSweeps: Int = 60) {
        precondition(matrix.count == n * n)
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let scale = max(a.map(abs).max() ?? 0, 1e-300)
        for _ in 0..<maxSweeps {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n where q < n { off += a[p * n + q] * a[p * n + q] } }
            if off.squareRoot() <= tolerance * scale { break }
            for p in 0..<n {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    guard abs(apq) > 1e-300 else { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n { // rotate columns p and q
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n { // rotate rows p and q
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
        values = order.map { a[$0 * n + $0] }
        var sorted = [Double](repeating: 0, count: n * n)
        for (column, k) in order.enumerated() { for r in 0..<n { sorted[r * n + column] = v[r * n + k] } }
        vectors = sorted
        size = n
    }

    /// `V f(Λ) Vᵀ`: a function of the matrix, e.g. its square root with `f = sqrt(max(λ, 0))`.
    public func applying(_ f: (Double) -> Double) -> [Double] {
        let n = size
        var out = [Double](repeating: 0, count: n * n)
        let fv = values.map(f)
        for i in 0..<n {
            for j in i..<n {
                var s = 0.0
                for k in 0..<n { s += vectors[i * n + k] * fv[k] * vectors[j * n + k] }
                out[i * n + j] = s
                out[j * n + i] = s
            }
        }
        return out
    }
}
