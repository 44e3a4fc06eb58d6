import GAN

/// What a column holds, and its type in each store's SQL.
enum ColumnType: Sendable {
    case integer, real, text
    /// Integers as comma-separated text (`class_counts`): a list both stores read alike.
    case integerList

    var sqlite: String {
        switch self {
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text, .integerList: "TEXT"
        }
    }

    var postgres: String {
        switch self {
        case .integer: "BIGINT"
        case .real: "DOUBLE PRECISION"
        case .text, .integerList: "TEXT"
        }
    }
}

/// One column of the `epochs` table: its name, its type, whether every row has it,
/// and the value a record gives it. Both stores write and select these columns, and
/// a test compares them with each store's actual table.
struct EpochColumn: Sendable {
    let name: String
    let type: ColumnType
    /// NOT NULL: the loss figures every epoch has (the scores only evaluated epochs have).
    let required: Bool
    let value: @Sendable (EpochLosses) -> ColumnValue?

    init(_ name: String, _ type: ColumnType, required: Bool = false, _ value: @escaping @Sendable (EpochLosses) -> ColumnValue?) {
        self.name = name
        self.type = type
        self.required = required
        self.value = value
    }

    static func integer(_ name: String, _ value: @escaping @Sendable (EpochLosses) -> Int) -> EpochColumn {
        EpochColumn(name, .integer, required: true) { .integer(Int64(value($0))) }
    }

    static func real(_ name: String, _ value: @escaping @Sendable (EpochLosses) -> Double) -> EpochColumn {
        EpochColumn(name, .real, required: true) { .real(value($0)) }
    }

    /// A score of evaluated epochs: NULL elsewhere, and where the score itself is nil.
    static func score(_ name: String, _ type: ColumnType, _ value: @escaping @Sendable (EpochEvaluation) -> ColumnValue?) -> EpochColumn {
        EpochColumn(name, type) { $0.evaluation.flatMap(value) }
    }
}
