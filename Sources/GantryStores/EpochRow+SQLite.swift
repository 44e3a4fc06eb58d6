import GAN
import GRDB
import GantryJobs

/// The shared row mappings (`EpochRow`, `JobRow`) as GRDB reads and writes them.
enum SQLiteColumns {
    /// A value to bind in a GRDB statement (nil binds NULL).
    static func bound(_ value: ColumnValue?) -> (any DatabaseValueConvertible)? {
        switch value {
        case .integer(let n)?: n
        case .real(let x)?: x
        case .text(let text)?: text
        case nil: nil
        }
    }

    /// Column `column` of `row` as SQLite stored it; nil for NULL or a missing column.
    static func value(_ row: Row, _ column: String) -> ColumnValue? {
        switch (row[column] as DatabaseValue?)?.storage {
        case .int64(let n)?: .integer(n)
        case .double(let x)?: .real(x)
        case .string(let text)?: .text(text)
        default: nil
        }
    }

    /// A row of `JobRow.select`: the job and its three joined epochs.
    static func job(_ row: Row) throws -> Job {
        try JobRow.job { value(row, $0) }
    }

    /// An epoch row (`SELECT * FROM epochs`), or the one in columns named `prefix` + column.
    static func losses(_ row: Row, prefix: String = "") throws -> EpochLosses? {
        try EpochRow.losses(prefix: prefix) { value(row, $0) }
    }
}
