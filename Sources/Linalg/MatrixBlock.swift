/// A row-major block of `Float`s inside storage someone else owns: a pointer, a
/// shape and the distance between rows.
///
/// What lets several threads work on disjoint parts of one matrix at once: a block
/// of rows or columns is a pointer offset, not a copy. Valid only while the owner's
/// storage is pinned (inside `Matrix.withMutableBlock` and its kin).
public struct MatrixBlock: @unchecked Sendable {
    // @unchecked: a raw pointer; the callers that hand blocks to lanes give each lane
    // disjoint rows or columns, and a `LaneGroup.run` orders one phase before the next.
    public let base: UnsafeMutablePointer<Float>
    public let rows: Int
    public let columns: Int
    /// Elements from the start of one row to the start of the next.
    public let stride: Int

    public init(base: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
        precondition(rows >= 0 && columns >= 0 && stride >= columns, "invalid block \(rows)x\(columns) stride \(stride)")
        self.base = base
        self.rows = rows
        self.columns = columns
        self.stride = stride
    }

    /// Rows `range` of this block.
    @inlinable
    public func rows(_ range: Range<Int>) -> MatrixBlock {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) outside 0..<\(rows)")
        return MatrixBlock(base: base + range.lowerBound * stride, rows: range.count, columns: columns, stride: stride)
    }

    /// Columns `range` of this block (same rows, same stride).
    @inlinable
    public func columns(_ range: Range<Int>) -> MatrixBlock {
        precondition(range.lowerBound >= 0 && range.upperBound <= columns, "columns \(range) outside 0..<\(columns)")
        return MatrixBlock(base: base + range.lowerBound, rows: rows, columns: range.count, stride: stride)
    }

    /// Whether the rows follow each other with no gap, so the block is one run of `rows * columns` elements.
    public var isContiguous: Bool { stride == columns || rows <= 1 }

    /// Overwrites this block with `source`, row by row; the shapes must match.
    public func copy(from source: MatrixBlock) {
        precondition(source.rows == rows && source.columns == columns, "copying \(source.rows)x\(source.columns) into \(rows)x\(columns)")
        for r in 0..<rows { row(r).update(from: source.row(r), count: columns) }
    }

    /// Row `r`'s first element.
    @inlinable
    public func row(_ r: Int) -> UnsafeMutablePointer<Float> { base + r * stride }
}

extension Matrix {
    /// The whole matrix as a block, for the duration of `body`.
    @inlinable
    public mutating func withMutableBlock<R>(_ body: (MatrixBlock) throws -> R) rethrows -> R {
        let rows = rows, columns = columns
        return try storage.withUnsafeMutableBufferPointer { buffer in
            try Self.block(buffer.baseAddress, rows: rows, columns: columns, body)
        }
    }

    /// The whole matrix as a block that `body` only reads.
    @inlinable
    public func withBlock<R>(_ body: (MatrixBlock) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { buffer in
            try Self.block(buffer.baseAddress.map { UnsafeMutablePointer(mutating: $0) }, rows: rows, columns: columns, body)
        }
    }

    @inlinable
    static func block<R>(_ base: UnsafeMutablePointer<Float>?, rows: Int, columns: Int, _ body: (MatrixBlock) throws -> R) rethrows -> R {
        if let base { return try body(MatrixBlock(base: base, rows: rows, columns: columns, stride: max(columns, 1))) }
        // An empty matrix has no storage; its block points at a scratch value nobody reads.
        var scratch: Float = 0
        return try withUnsafeMutablePointer(to: &scratch) { try body(MatrixBlock(base: $0, rows: rows, columns: columns, stride: max(columns, 1))) }
    }
}
