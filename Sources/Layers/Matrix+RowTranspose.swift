import Linalg

extension Matrix {
    /// Each row read as an `outer` × `inner` block and written transposed (`inner` ×
    /// `outer`): between PyTorch's channel-first order and the layers' channels-last,
    /// for activations (Flatten, Unflatten) and kernels alike. Rows split between
    /// threads; within a row, 16 × 16 tiles keep both sides' lines in cache (a plain
    /// loop's writes stride 512 bytes at 128 channels, ten times slower).
    func transposingEachRow(outer: Int, inner: Int) -> Matrix {
        precondition(columns == outer * inner, "a row of \(columns) is not \(outer) × \(inner)")
        let tile = 16, columns = columns
        return storage.withUnsafeBufferPointer { source in
            Matrix(rows: rows, columns: columns) { target in
                ParallelRanges.forEach(rows) { rows in
                    for r in rows {
                        let from = source.baseAddress! + r * columns, to = target.baseAddress! + r * columns
                        for o0 in stride(from: 0, to: outer, by: tile) {
                            for i0 in stride(from: 0, to: inner, by: tile) {
                                for o in o0..<min(o0 + tile, outer) {
                                    for i in i0..<min(i0 + tile, inner) { (to + i * outer + o).initialize(to: from[o * inner + i]) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
