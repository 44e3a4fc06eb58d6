import Foundation
import GAN
import Linalg
import GantryTestSupport
import Testing

@Suite struct QualityScoreTests {
    /// Two fixed feature sets, written for numpy/scipy to score with the textbook formula
    /// (`scipy.linalg.sqrtm(Σ₁ Σ₂)`), against this module's symmetric Jacobi form.
    @Test func frechetDistanceMatchesNumpyAndScipy() throws {
        let d = 8
        var rng = Xoshiro256StarStar(seed: 77)
        var a = Matrix(rows: 300, columns: d), b = Matrix(rows: 250, columns: d)
        for r in 0..<a.rows { for c in 0..<d { a[r, c] = rng.nextNormal() * Float(1 + c % 3) + (c == 0 ? 0.5 : 0) } }
        for r in 0..<b.rows {
            let shared = rng.nextNormal()
            for c in 0..<d { b[r, c] = 0.7 * rng.nextNormal() + 0.6 * shared + Float(c) * 0.1 }
        }
        let ma = QualityScores.moments(a), mb = QualityScores.moments(b)
        let (m1, s1, m2, s2) = (ma.mean, ma.covariance, mb.mean, mb.covariance)
        let mine = QualityScores.frechetDistance(mean1: m1, covariance1: s1, mean2: m2, covariance2: s2)

        let python = try PythonReference("fd")
        defer { python.remove() }
        for (name, m) in [("a", a), ("b", b)] {
            let text = (0..<m.rows).map { r in (0..<d).map { String(m[r, $0]) }.joined(separator: " ") }.joined(separator: "\n")
            try python.write(name, text: text)
        }
        let script = """
            import numpy as np, scipy.linalg, sys
            a = np.loadtxt(sys.argv[1] + "/a.txt"); b = np.loadtxt(sys.argv[1] + "/b.txt")
            m1, m2 = a.mean(0), b.mean(0)
            s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
            root = scipy.linalg.sqrtm(s1 @ s2).real
            print(repr(float(((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * root))))
            """
        let (_, text) = try python.run(script)
        let reference = try #require(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                                      "python3 with numpy and scipy (scripts/setup installs them) printed \(text)")
        #expect(abs(mine - reference) <= 1e-6 * max(1, abs(reference)), "Swift \(mine), numpy \(reference)")
        #expect(mine > 1)
        // A set against itself: zero, up to rounding.
        #expect(abs(QualityScores.frechetDistance(mean1: m1, covariance1: s1, mean2: m1, covariance2: s1)) < 1e-9)
    }

    @Test func inceptionScoreIsOneForOneClassAndNearTenForBalancedConfidentPredictions() {
        var one = Matrix(rows: 100, columns: 10)
        for r in 0..<100 { one[r, 3] = 1 }
        #expect(abs(QualityScores.inceptionScore(one) - 1) < 1e-9)
        var balanced = Matrix(rows: 1000, columns: 10, repeating: 0.001)
        for r in 0..<1000 { balanced[r, r % 10] = 0.991 }
        let score = QualityScores.inceptionScore(balanced)
        #expect(score > 9 && score <= 10, "\(score)")
        let (counts, confident) = QualityScores.classCounts(balanced)
        #expect(counts == [Int](repeating: 100, count: 10) && confident == 1)
    }
}
