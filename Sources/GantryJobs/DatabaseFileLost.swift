/// The store's database file was removed or replaced while the daemon ran: every write
/// is refused (503) and `/healthz` answers unavailable until it is restored and the
/// daemon restarted. The description names no path: clients see it.
public struct DatabaseFileLost: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Change: String, Sendable {
        case removed
        case replaced = "replaced by another file"
    }

    public let change: Change

    package init(change: Change) {
        self.change = change
    }

    public var description: String {
        "the database file was \(change.rawValue) while the daemon ran; changes are refused until it is restored "
            + "and the daemon restarted (the daemon's log says where it saved what it had)"
    }
}
