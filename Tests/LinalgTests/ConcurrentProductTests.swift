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
}
