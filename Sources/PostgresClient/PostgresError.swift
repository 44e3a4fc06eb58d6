/// What libpq said went wrong: the first line of its message (the rest is a
/// statement excerpt or a hint, not for a job's error or the log), and the
/// SQLSTATE code when the server sent one ("23505" is a unique violation).
package struct PostgresError: Error, CustomStringConvertible {
    package let message: String
    package let sqlState: String?

    package init(_ message: String, sqlState: String? = nil) {
        let firstLine = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        self.message = firstLine.isEmpty ? "unknown PostgreSQL error" : firstLine
        self.sqlState = sqlState
    }

    package var description: String { message }
}
