import Linalg
import Testing

@Suite struct EigenTests {
    @Test func eigenDecompositionReconstructsTheMatrix() {
        let m: [Double] = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]
        let eigen = SymmetricEigen(m, size: 3)
        let rebuilt = eigen.applying { $0 }
        for i in 0..<9 { #expect(abs(rebuilt[i] - m[i]) < 1e-12) }
        let root = eigen.applying { $0.squareRoot() }
        for i in 0..<3 { for j in 0..<3 {
            let square = (0..<3).reduce(0.0) { $0 + root[i * 3 + $1] * root[$1 * 3 + j] }
            #expect(abs(square - m[i * 3 + j]) < 1e-12)
        } }
        #expect(eigen.values == eigen.values.sorted())
        // Values only: the same spectrum, no vectors.
        let valuesOnly = SymmetricEigen(m, size: 3, vectors: false)
        #expect(valuesOnly.vectors.isEmpty && zip(valuesOnly.values, eigen.values).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    /// A 128 × 128 covariance, the size the quality scores use: A·v = λ·v for every pair,
    /// and the trace equals the sum of the eigenvalues.
    @Test func largeCovarianceEigenpairsHold() {
        let n = 128
        var rng = Xoshiro256StarStar(seed: 5)
        let x = (0..<(200 * n)).map { _ in Double(rng.nextNormal()) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for r in 0..<200 { a[i * n + j] += x[r * n + i] * x[r * n + j] / 199 } } }
        let eigen = SymmetricEigen(a, size: n)
        var worst = 0.0
        for k in 0..<n {
            for i in 0..<n {
                var av = 0.0
                for j in 0..<n { av += a[i * n + j] * eigen.vectors[j * n + k] }
                worst = max(worst, abs(av - eigen.values[k] * eigen.vectors[i * n + k]))
            }
        }
        #expect(worst < 1e-9, "largest residual \(worst)")
        let trace = (0..<n).reduce(0.0) { $0 + a[$1 * n + $1] }
        #expect(abs(eigen.values.reduce(0, +) - trace) < 1e-9 * trace)
    }
}
