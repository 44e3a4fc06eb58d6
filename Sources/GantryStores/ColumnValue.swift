import Foundation

/// A non-NULL column value as both stores hold it (integers, reals, text), without
/// tying the mapping to one database library.
enum ColumnValue: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)

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
