import Foundation

/// A non-NULL column value as both stores hold it: what a record's JSON form becomes
/// in a row (integers, reals, text), without tying the mapping to one database library.
enum ColumnValue: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)

    /// A value of `JSONSerialization`'s output; nil for `NSNull`. A list becomes
    /// comma-separated text (the one list a record holds is `class_counts`).
    init?(json: Any) {
        switch json {
        case is NSNull: return nil
        case let list as [Any]: self = .text(list.map { "\($0)" }.joined(separator: ","))
        case let number as NSNumber:
            // JSONSerialization keeps whether a number was written with a fraction or exponent.
            self = ["d", "f"].contains(String(cString: number.objCType)) ? .real(number.doubleValue) : .integer(number.int64Value)
        case let text as String: self = .text(text)
        default: self = .text("\(json)")
        }
    }

    /// The value as PostgreSQL's text format reads it (a Double's description is its
    /// shortest exact form, so a real survives the round trip).
    var text: String {
        switch self {
        case .integer(let n): "\(n)"
        case .real(let x): "\(x)"
        case .text(let text): text
        }
    }
}
