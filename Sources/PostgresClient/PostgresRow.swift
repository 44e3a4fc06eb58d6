/// One row of a query's result in libpq's text format: each column's text (nil
/// for NULL) and its type OID, so a reader can tell a number from text without
/// knowing the schema.
struct PostgresRow: Sendable {
    /// Column names in the result's order, shared by every row of one result.
    let columns: [String]
    let types: [UInt32]
    let values: [String?]

    static let bigintType: UInt32 = 20
    static let integerType: UInt32 = 23
    static let doubleType: UInt32 = 701
    static let textType: UInt32 = 25

    subscript(_ column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return values[index]
    }

    func type(of column: String) -> UInt32? {
        columns.firstIndex(of: column).map { types[$0] }
    }
}
