import Foundation
import GAN

/// An epoch record as a row of the `epochs` table, mapped explicitly both ways: the
/// columns and their types are listed once here, and both stores write, select and
/// read through this list. A new field of a loss record is a column here, its read in
/// `losses`, and the migration that adds it.
enum EpochRow {
    static let all: [EpochColumn] = [
        .integer("epoch") { $0.epoch },
        .real("d_loss") { $0.dLoss },
        .real("g_loss") { $0.gLoss },
        .real("d_loss_real") { $0.dLossReal },
        .real("d_loss_fake") { $0.dLossFake },
        .real("d_real_mean") { $0.dRealMean },
        .real("d_fake_mean") { $0.dFakeMean },
        .real("seconds") { $0.seconds },
        .integer("steps") { $0.steps },
        .score("fd", .real) { .real($0.scores.fd) },
        .score("inception_score", .real) { .real($0.scores.inceptionScore) },
        .score("class_counts", .integerList) { .text($0.scores.classCounts.map(String.init).joined(separator: ",")) },
        .score("confident_share", .real) { .real($0.scores.confidentShare) },
        .score("eval_samples", .integer) { .integer(Int64($0.samples)) },
        .score("eval_seconds", .real) { .real($0.seconds) },
        .score("conditional_accuracy", .real) { $0.scores.conditionalAccuracy.map { .real($0) } },
    ]

    static let columns: [String] = all.map(\.name)

    /// The record's columns and their values (nil for NULL), ready for an INSERT.
    static func values(of losses: EpochLosses) -> [(column: String, value: ColumnValue?)] {
        all.map { ($0.name, $0.value(losses)) }
    }

    /// The record whose column `c` holds `value(prefix + c)`; nil when a join found none.
    static func losses(prefix: String = "", _ value: @escaping (String) -> ColumnValue?) throws -> EpochLosses? {
        let row = ColumnReader(prefix: prefix, value: value)
        guard row.has("epoch") else { return nil }
        var losses = EpochLosses(epoch: try row.integer("epoch"), dLoss: try row.real("d_loss"), gLoss: try row.real("g_loss"),
                                 dLossReal: try row.real("d_loss_real"), dLossFake: try row.real("d_loss_fake"),
                                 dRealMean: try row.real("d_real_mean"), dFakeMean: try row.real("d_fake_mean"),
                                 seconds: try row.real("seconds"), steps: try row.integer("steps"))
        if row.has("fd") {
            let scores = SampleEvaluator.Scores(fd: try row.real("fd"), inceptionScore: try row.real("inception_score"),
                                                classCounts: try row.integers("class_counts"),
                                                confidentShare: try row.real("confident_share"),
                                                conditionalAccuracy: row.has("conditional_accuracy") ? try row.real("conditional_accuracy") : nil)
            losses.evaluation = EpochEvaluation(scores: scores, samples: try row.integer("eval_samples"), seconds: try row.real("eval_seconds"))
        }
        return losses
    }
}

/// Typed reads of one row's columns; a value of the wrong type, or a missing one, is
/// an error that names the column (a damaged or foreign database, not a guess).
struct ColumnReader {
    let prefix: String
    let value: (String) -> ColumnValue?

    struct Mismatch: Error, CustomStringConvertible {
        let column: String
        let expected: String
        let found: ColumnValue?
        var description: String { "column \(column): expected \(expected), found \(found.map { "\($0)" } ?? "NULL")" }
    }

    func has(_ column: String) -> Bool { value(prefix + column) != nil }

    func integer(_ column: String) throws -> Int {
        let found = value(prefix + column)
        guard case .integer(let n)? = found, let int = Int(exactly: n) else { throw Mismatch(column: column, expected: "an integer", found: found) }
        return int
    }

    /// A REAL column; an integral value read back as an integer (SQLite may) counts too.
    func real(_ column: String) throws -> Double {
        switch value(prefix + column) {
        case .real(let x)?: return x
        case .integer(let n)?: return Double(n)
        case let found: throw Mismatch(column: column, expected: "a number", found: found)
        }
    }

    func text(_ column: String) throws -> String {
        let found = value(prefix + column)
        guard case .text(let text)? = found else { throw Mismatch(column: column, expected: "text", found: found) }
        return text
    }

    func integers(_ column: String) throws -> [Int] {
        let found = value(prefix + column)
        guard case .text(let text)? = found else { throw Mismatch(column: column, expected: "a comma-separated list", found: found) }
        if text.isEmpty { return [] }
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard numbers.allSatisfy({ $0 != nil }) else { throw Mismatch(column: column, expected: "a comma-separated list", found: found) }
        return numbers.map { $0! }
    }
}
