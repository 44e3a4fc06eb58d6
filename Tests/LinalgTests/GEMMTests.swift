import Linalg
import Testing

/// Every transpose combination of `Matrix.multiply` against a naive triple loop in Double.
@Suite struct GEMMTests {
    static func filled(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256StarStar(seed: seed)
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<m.count { m.storage[i] = rng.nextSymmetricUniform() }
        return m
    }

    static func naive(_ a: Matrix, _ ta: Bool, _ b: Matrix, _ tb: Bool) -> [[Double]] {
        let m = ta ? a.columns : a.rows, k = ta ? a.rows : a.columns, n = tb ? b.rows : b.columns
        return (0..<m).map { i in
            (0..<n).map { j in
                (0..<k).reduce(0.0) { s, p in
                    s + Double(ta ? a[p, i] : a[i, p]) * Double(tb ? b[j, p] : b[p, j])
                }
            }
        }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func productMatchesNaiveLoop(transposeA: Bool, transposeB: Bool) {
        let (m, k, n) = (13, 37, 9)
        let a = transposeA ? Self.filled(k, m, seed: 1) : Self.filled(m, k, seed: 1)
        let b = transposeB ? Self.filled(n, k, seed: 2) : Self.filled(k, n, seed: 2)
        var c = Matrix(rows: m, columns: n, repeating: 0.5)
        Matrix.multiply(a, b, into: &c, transposeA: transposeA ? .transposed : .none,
                        transposeB: transposeB ? .transposed : .none, alpha: 2, beta: 3)
        let expected = Self.naive(a, transposeA, b, transposeB)
        for i in 0..<m { for j in 0..<n {
            #expect(abs(Double(c[i, j]) - (2 * expected[i][j] + 1.5)) < 1e-4)
        } }
    }

    @Test func rowCopyAndSliceAgree() {
        let a = Self.filled(3, 4, seed: 3)
        var big = Matrix(rows: 6, columns: 4)
        big.copyRows(from: a, toRow: 2)
        #expect(big.rows(2..<5) == a)
        #expect(big.rows(0..<2) == Matrix(rows: 2, columns: 4))
    }

    @Test func elementwiseKernels() {
        var x = Matrix(rows: 2, columns: 3, storage: [1, 2, 3, 4, 5, 6])
        let bias = Matrix(rows: 1, columns: 3, storage: [10, 20, 30])
        x.withMutableBlock { xb in bias.withBlock { Elementwise.addRowVector(xb, bias: $0.base) } }
        #expect(x.storage == [11, 22, 33, 14, 25, 36])
        // Column sums of the whole block, and of a block of its columns.
        var sums = Matrix(rows: 1, columns: 3, repeating: -1)
        x.withBlock { xb in sums.withMutableBlock { Elementwise.columnSums(xb, into: $0.base) } }
        #expect(sums.storage == [25, 47, 69])
        x.withBlock { xb in sums.withMutableBlock { Elementwise.columnSums(xb.columns(1..<3), into: $0.base) } }
        #expect(sums.storage == [47, 69, 69])
    }

    /// A block of rows or columns is a product's share: products into blocks of the
    /// result put together give the whole product.
    @Test func blocksOfAProductMakeTheWholeProduct() {
        let a = Self.filled(9, 5, seed: 3), b = Self.filled(5, 7, seed: 4)
        var whole = Matrix(rows: 9, columns: 7), pieces = Matrix(rows: 9, columns: 7)
        Matrix.multiply(a, b, into: &whole)
        a.withBlock { a in
            b.withBlock { b in
                pieces.withMutableBlock { c in
                    MatrixBlock.multiply(a.rows(0..<4), b, into: c.rows(0..<4))
                    MatrixBlock.multiply(a.rows(4..<9), b.columns(0..<3), into: c.rows(4..<9).columns(0..<3))
                    MatrixBlock.multiply(a.rows(4..<9), b.columns(3..<7), into: c.rows(4..<9).columns(3..<7))
                }
            }
        }
        let expected = Self.naive(a, false, b, false)
        for i in 0..<9 { for j in 0..<7 { #expect(abs(Double(pieces[i, j]) - expected[i][j]) < 1e-5) } }
        #expect(pieces == whole)
    }
}
