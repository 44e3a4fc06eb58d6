import Logging

extension Logger {
    /// A logger that drops everything: the default where a caller (a test) passes none.
    public static let silent = Logger(label: "gantry.silent") { _ in SwiftLogNoOpLogHandler() }
}
