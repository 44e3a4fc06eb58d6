import Linalg
import Testing

/// OpenBLAS builds have been reported to give wrong results when driven from several
/// threads at once. Training lanes do exactly that (each lane's products on its own
/// thread, OpenBLAS's pool at one thread), so this drives the step's product shapes
/// from two lanes thousands of times and wants the bits one thread gives.
@Suite struct ConcurrentProductTests {
    @Test func productsOnTwoLanesMatchOneThreadBitForBit() {
        BLASThreads.set(1)
        // (m, k, n) of the default model's products: D's hidden layer, G's output layer, dW1.
        let shapes = [(200, 784, 128), (100, 128, 784), (784, 200, 128)]
        var inputs: [(Matrix, Matrix)] = []
        var expected: [Matrix] = []
        for (i, (m, k, n)) in shapes.enumerated() {
            let a = GEMMTests.filled(m, k, seed: UInt64(10 + i)), b = GEMMTests.filled(k, n, seed: UInt64(20 + i))
            var c = Matrix(rows: m, columns: n)
            Matrix.multiply(a, b, into: &c)
            inputs.append((a, b))
            expected.append(c)
        }
        // The one-thread products are themselves right: every entry within the textbook
        // bound of a float dot product of length k, γ_k·Σ|a·b| with γ_k = k·u/(1 − k·u),
        // u = 2⁻²⁴, of a naive Double loop. (Bit equality with one thread is the point of
        // the test; this makes sure the bits it compares against are a product.) Measured worst
        // entries: 0.002, 0.028 and 0.016 of the bound, with Haswell and SkylakeX kernels alike.
        for (i, (m, k, n)) in shapes.enumerated() {
            let worst = Self.worstErrorRatio(inputs[i].0, inputs[i].1, expected[i])
            #expect(worst <= 1, "(\(m), \(k), \(n)): an entry is \(worst) times the rounding bound off the Double product")
        }
        var results = expected.map { Matrix(rows: $0.rows, columns: $0.columns) }
        var resultsB = results
        let group = LaneGroup(lanes: 2)
        var mismatches = 0
        for round in 0..<600 {
            let s = round % shapes.count, t = (round + 1) % shapes.count
            results[s].withMutableBlock { cs in
                resultsB[t].withMutableBlock { ct in
                    inputs[s].0.withBlock { as_ in inputs[s].1.withBlock { bs in
                        inputs[t].0.withBlock { at in inputs[t].1.withBlock { bt in
                            group.run { lane in
                                if lane == 0 { MatrixBlock.multiply(as_, bs, into: cs) } else { MatrixBlock.multiply(at, bt, into: ct) }
                            }
                        } }
                    } }
                }
            }
            if results[s] != expected[s] || resultsB[t] != expected[t] { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(mismatches) of 600 concurrent pairs differed from the one-thread products")
    }

    /// The largest |c − a·b| over every entry, in units of that entry's rounding bound
    /// γ_k·Σ_p |a_ip·b_pj|, with a·b and the sum computed in Double.
    static func worstErrorRatio(_ a: Matrix, _ b: Matrix, _ c: Matrix) -> Double {
        let (m, k, n) = (a.rows, a.columns, b.columns)
        let u = Double(Float.ulpOfOne) / 2
        let gamma = Double(k) * u / (1 - Double(k) * u)
        var worst = 0.0
        a.storage.withUnsafeBufferPointer { a in
            b.storage.withUnsafeBufferPointer { b in
                c.storage.withUnsafeBufferPointer { c in
                    var exact = [Double](repeating: 0, count: n), magnitude = [Double](repeating: 0, count: n)
                    for i in 0..<m {
                        for j in 0..<n { exact[j] = 0; magnitude[j] = 0 }
                        for p in 0..<k {
                            let x = Double(a[i * k + p])
                            for j in 0..<n {
                                let term = x * Double(b[p * n + j])
                                exact[j] += term
                                magnitude[j] += abs(term)
                            }
                        }
                        for j in 0..<n {
                            worst = max(worst, abs(Double(c[i * n + j]) - exact[j]) / (gamma * magnitude[j] + .leastNormalMagnitude))
                        }
                    }
                }
            }
        }
        return worst
    }
}
