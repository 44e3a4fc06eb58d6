/// A dense row-major matrix of `Float`.
///
/// A value type backed by a copy-on-write array: the trainer keeps its matrices
/// uniquely referenced, so in-place kernels never trigger a copy.
public struct Matrix: Sendable, Equatable {
    public private(set) var rows: Int
    public private(set) var columns: Int
    public var storage: [Float]

    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix whose every value `initialize` writes: large outputs that a kernel
    /// fills in full skip zeroing (and the page faults of touching them twice).
    public init(rows: Int, columns: Int, initializingWith initialize: (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = [Float](unsafeUninitializedCapacity: rows * columns) { buffer, count in
            initialize(buffer)
            count = rows * columns
        }
    }

    public init(rows: Int, columns: Int, storage: [Float]) {
        precondition(storage.count == rows * columns, "storage holds \(storage.count) values, \(rows)x\(columns) needs \(rows * columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    public var count: Int { storage.count }

    public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// Copies `source`'s rows into this matrix starting at `row`; the column counts must match.
    public mutating func copyRows(from source: Matrix, toRow row: Int) {
        precondition(source.columns == columns && row + source.rows <= rows, "row copy out of bounds")
        withMutableBlock { destination in source.withBlock { destination.rows(row..<(row + $0.rows)).copy(from: $0) } }
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, columns: columns,
               storage: Array(storage[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }
}
