import Foundation
import GAN
import GRDB

/// An epoch record as a row of the `epochs` table, by way of `EpochLosses`' own
/// `Codable` form: its keys are the column names, so a new field of a loss record is
/// one edit to `EpochLosses` plus the migration that adds its column.
///
/// The one translation: a list (`class_counts`) is stored as comma-separated text.
enum EpochRow {
    /// The columns, in `EpochLosses`' encoding order (read once from an encoded record).
    static let columns: [String] = {
        let sample = EpochLosses(epoch: 0, dLoss: 0, gLoss: 0, dLossReal: 0, dLossFake: 0, dRealMean: 0, dFakeMean: 0, seconds: 0, steps: 0)
        return fields(of: sample).map(\.column)
    }()

    /// The record's columns and their values, ready for an INSERT.
    static func fields(of losses: EpochLosses) -> [(column: String, value: (any DatabaseValueConvertible)?)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(losses),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            preconditionFailure("an EpochLosses always encodes to a JSON object")
        }
        return object.keys.sorted().map { key in (key, value(object[key]!)) }
    }

    /// The record in `row`'s columns named `prefix` + column; nil when a join found none.
    static func losses(from row: Row, prefix: String = "") throws -> EpochLosses? {
        guard (row[prefix + "epoch"] as Int?) != nil else { return nil }
        var object: [String: Any] = [:]
        for column in columns {
            let stored = row[prefix + column] as DatabaseValue?
            switch stored?.storage {
            case .int64(let n)?: object[column] = n
            case .double(let x)?: object[column] = x
            case .string(let text)?: object[column] = text.split(separator: ",").compactMap { Int($0) }
            default: object[column] = NSNull()
            }
        }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(EpochLosses.self, from: data)
    }

    private static func value(_ json: Any) -> (any DatabaseValueConvertible)? {
        switch json {
        case let list as [Any]: return list.map { "\($0)" }.joined(separator: ",")
        case let number as NSNumber:
            // JSONSerialization keeps whether a number was written with a fraction or exponent.
            return ["d", "f"].contains(String(cString: number.objCType)) ? number.doubleValue : number.int64Value
        case is NSNull: return nil
        case let text as String: return text
        default: return "\(json)"
        }
    }
}
