import Foundation
import GAN

/// An epoch record as a row of the `epochs` table, by way of `EpochLosses`' own
/// `Codable` form: its keys are the column names, so a new field of a loss record is
/// one edit to `EpochLosses` plus the migration that adds its column (in each store).
///
/// The one translation: a list (`class_counts`) is stored as comma-separated text.
/// The database libraries' own value types are bridged in `EpochRow+SQLite` and
/// `PostgresJobStore`.
enum EpochRow {
    /// The columns, in `EpochLosses`' encoding order (read once from an encoded record).
    static let columns: [String] = {
        let sample = EpochLosses(epoch: 0, dLoss: 0, gLoss: 0, dLossReal: 0, dLossFake: 0, dRealMean: 0, dFakeMean: 0, seconds: 0, steps: 0)
        return values(of: sample).map(\.column)
    }()

    /// The record's columns and their values (nil for NULL), ready for an INSERT.
    static func values(of losses: EpochLosses) -> [(column: String, value: ColumnValue?)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(losses),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            preconditionFailure("an EpochLosses always encodes to a JSON object")
        }
        return object.keys.sorted().map { key in (key, ColumnValue(json: object[key]!)) }
    }

    /// The record whose column `c` holds `value(prefix + c)`; nil when a join found none.
    static func losses(prefix: String = "", _ value: (String) -> ColumnValue?) throws -> EpochLosses? {
        guard value(prefix + "epoch") != nil else { return nil }
        var object: [String: Any] = [:]
        for column in columns {
            switch value(prefix + column) {
            case .integer(let n)?: object[column] = n
            case .real(let x)?: object[column] = x
            case .text(let text)?: object[column] = text.split(separator: ",").compactMap { Int($0) }
            case nil: object[column] = NSNull()
            }
        }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(EpochLosses.self, from: data)
    }
}
