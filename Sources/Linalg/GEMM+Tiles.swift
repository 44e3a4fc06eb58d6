/// Products split into a fixed grid of output tiles, each one single-threaded
/// `cblas_sgemm` over the whole inner dimension, the tiles shared among the step's
/// threads (`ParallelRanges.threads`).
///
/// Why not OpenBLAS's own threads: how OpenBLAS splits a product depends on the thread
/// count, and on some of its kernels (Prescott's, measured) an output element's
/// rounding depends on where the split put it, so one thread and two gave different
/// bits. Here the grid depends only on the product's shape, so every element is
/// computed by the same call with the same operands whatever the thread count: the
/// same bits for any count, on every kernel.
extension Matrix {
    /// `c = alpha * op(a) * op(b) + beta * c`, tile by tile.
    public static func multiplyInTiles(
        _ a: Matrix, _ b: Matrix, into c: inout Matrix,
        transposeA: Transpose = .none, transposeB: Transpose = .none,
        alpha: Float = 1, beta: Float = 0
    ) {
        withProductBlocks(a, b, &c) { a, b, c in
            MatrixBlock.multiplyInTiles(a, b, into: c, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
        }
    }
}

extension MatrixBlock {
    /// A tile's largest side: large enough that a tile's call runs near the kernel's
    /// rate, small enough that a 7×7 layer's 4,900 columns make 20 tiles to balance
    /// over two threads.
    public static let tileSide = 256

    public static func multiplyInTiles(
        _ a: MatrixBlock, _ b: MatrixBlock, into c: MatrixBlock,
        transposeA: Transpose = .none, transposeB: Transpose = .none,
        alpha: Float = 1, beta: Float = 0
    ) {
        let rowTiles = (c.rows + tileSide - 1) / tileSide, columnTiles = (c.columns + tileSide - 1) / tileSide
        let tiles = rowTiles * columnTiles
        // The thread count decides only which thread runs a tile, not what the tile computes.
        ParallelRanges.forEach(tiles, minimumPerRange: 1) { range in
            for tile in range {
                let rows = (tile / columnTiles * tileSide)..<min(c.rows, (tile / columnTiles + 1) * tileSide)
                let columns = (tile % columnTiles * tileSide)..<min(c.columns, (tile % columnTiles + 1) * tileSide)
                // Rows of op(a) and columns of op(b): a transposed operand gives columns, resp. rows.
                let aPart = transposeA == .none ? a.rows(rows) : a.columns(rows)
                let bPart = transposeB == .none ? b.columns(columns) : b.rows(columns)
                multiply(aPart, bPart, into: c.rows(rows).columns(columns), transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
            }
        }
    }
}

extension Matrix {
    /// `op(a) * op(b)` as a new matrix, tile by tile: the product writes every value
    /// (beta 0), so its storage is not zeroed first (a pass over up to 20 MB a layer).
    public static func productInTiles(_ a: Matrix, _ b: Matrix, transposeA: Transpose = .none, transposeB: Transpose = .none) -> Matrix {
        let rows = transposeA == .none ? a.rows : a.columns
        let columns = transposeB == .none ? b.columns : b.rows
        return a.withBlock { a in
            b.withBlock { b in
                Matrix(rows: rows, columns: columns) { buffer in
                    guard let base = buffer.baseAddress else { return }
                    let c = MatrixBlock(base: base, rows: rows, columns: columns, stride: max(columns, 1))
                    MatrixBlock.multiplyInTiles(a, b, into: c, transposeA: transposeA, transposeB: transposeB)
                }
            }
        }
    }
}
