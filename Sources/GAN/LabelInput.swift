import Linalg

/// The label as a conditional model's input: a one-hot row beside the noise (the
/// generator's input) or beside the image (the discriminator's).
public enum LabelInput {
    /// `matrix` with `classes` columns added: row i's one-hot of `labels[i]`.
    public static func appending(_ labels: [Int], classes: Int, to matrix: Matrix) -> Matrix {
        precondition(labels.count == matrix.rows, "\(labels.count) labels for \(matrix.rows) rows")
        var out = Matrix(rows: matrix.rows, columns: matrix.columns + classes)
        for r in 0..<matrix.rows {
            for c in 0..<matrix.columns { out[r, c] = matrix[r, c] }
            out[r, matrix.columns + labels[r]] = 1
        }
        return out
    }

    /// Writes row i's one-hot of `label(i)` into `block` (rows × classes), zeros elsewhere.
    public static func write(into block: MatrixBlock, label: (Int) -> Int) {
        for r in 0..<block.rows {
            let row = block.row(r)
            for c in 0..<block.columns { row[c] = 0 }
            let l = label(r)
            precondition(l >= 0 && l < block.columns, "label \(l) outside 0..<\(block.columns)")
            row[l] = 1
        }
    }

    /// The first `count` columns of a gradient with respect to such an input: the
    /// image's or the noise's part (the one-hot is a constant).
    static func leadingColumns(of gradient: Matrix, count: Int) -> Matrix {
        guard gradient.columns != count else { return gradient }
        var out = Matrix(rows: gradient.rows, columns: count)
        for r in 0..<gradient.rows {
            for i in 0..<count { out.storage[r * count + i] = gradient.storage[r * gradient.columns + i] }
        }
        return out
    }

    /// 0, 1, …, classes − 1, 0, …: every digit in turn.
    public static func cycle(count: Int, classes: Int) -> [Int] { (0..<count).map { $0 % classes } }
}
