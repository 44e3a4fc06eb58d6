/// One row of a query's result in libpq's text format: each column's text (nil
/// for NULL) and its type OID, so a reader can tell a number from text without
/// knowing the schema.
package struct PostgresRow: Sendable {
    /// Column names in the result's order, shared by every row of one result.
    package let columns: [String]
    package let types: [UInt32]
    package let values: [String?]

    package static let bigintType: UInt32 = 20
    package static let integerType: UInt32 = 23
    package static let doubleType: UInt32 = 701
    package static let textType: UInt32 = 25

    package subscript(_ column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return values[index]
    }

    package func type(of column: String) -> UInt32? {
        columns.firstIndex(of: column).map { types[$0] }
    }
}
