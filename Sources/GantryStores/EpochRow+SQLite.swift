import GAN
import GRDB

/// `EpochRow`'s values as GRDB reads and writes them.
extension EpochRow {
    /// The record's columns and their values, ready for an INSERT through GRDB.
    static func fields(of losses: EpochLosses) -> [(column: String, value: (any DatabaseValueConvertible)?)] {
        values(of: losses).map { field in
            let value: (any DatabaseValueConvertible)? = switch field.value {
            case .integer(let n)?: n
            case .real(let x)?: x
            case .text(let text)?: text
            case nil: nil
            }
            return (field.column, value)
        }
    }

    /// The record in `row`'s columns named `prefix` + column; nil when a join found none.
    static func losses(from row: Row, prefix: String = "") throws -> EpochLosses? {
        try losses(prefix: prefix) { column in
            switch (row[column] as DatabaseValue?)?.storage {
            case .int64(let n)?: .integer(n)
            case .double(let x)?: .real(x)
            case .string(let text)?: .text(text)
            default: nil
            }
        }
    }
}
