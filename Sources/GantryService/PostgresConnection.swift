import CGantryPQ
import Foundation

/// One libpq connection; every C pointer stays inside this type.
///
/// Not Sendable: libpq allows one thread at a time per connection, so its owner
/// (`PostgresJobStore`) calls it under its own lock. Statements take their
/// parameters separately (`PQexecParams`, text format), never spliced into SQL.
final class PostgresConnection {
    private var connection: OpaquePointer?

    /// Connects to `url` (`postgres://user@host:port/db?sslmode=…`), or throws libpq's reason.
    /// Without a `connect_timeout` in the URL a connection attempt gives up after
    /// 10 s, so an unreachable server fails a call instead of hanging it.
    init(url: String) throws(PostgresError) {
        // With expand_dbname, `dbname` holds the whole URL; settings after it would
        // override the URL's, so the default timeout comes first.
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = ["10", "gantry", url]
        let pointer = Self.withCStrings(keywords) { keys in
            Self.withCStrings(values) { vals in PQconnectdbParams(keys, vals, 1) }
        }
        connection = pointer
        guard let pointer, PQstatus(pointer) == CONNECTION_OK else {
            let reason = pointer.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            close()
            throw PostgresError(reason)
        }
        // Notices ("relation already exists, skipping") would go to stderr.
        _ = try execute("SET client_min_messages = warning")
    }

    deinit { close() }

    /// Whether the connection is gone (server restarted, network lost); `reconnect` may bring it back.
    var isBroken: Bool {
        guard let connection else { return true }
        return PQstatus(connection) != CONNECTION_OK
    }

    /// Reconnects with the same settings, or throws libpq's reason.
    func reconnect() throws(PostgresError) {
        guard let connection else { throw PostgresError("connection closed") }
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else { throw PostgresError(String(cString: PQerrorMessage(connection))) }
        _ = try execute("SET client_min_messages = warning")
    }

    func close() {
        if let connection { PQfinish(connection) }
        connection = nil
    }

    /// Runs one statement with `parameters` bound to $1, $2, … (nil is NULL), and
    /// returns its rows (none for a statement that returns none).
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> [PostgresRow] {
        guard let connection else { throw PostgresError("connection closed") }
        let result = Self.withCStrings(parameters) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else { throw PostgresError(String(cString: PQerrorMessage(connection))) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return []
        case PGRES_TUPLES_OK:
            return Self.rows(of: result)
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PostgresError(String(cString: PQresultErrorMessage(result)), sqlState: state)
        }
    }

    /// Runs `body` between BEGIN and COMMIT; rolls back and rethrows when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if !isBroken { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    private static func rows(of result: OpaquePointer) -> [PostgresRow] {
        let fieldCount = PQnfields(result)
        let columns = (0..<fieldCount).map { String(cString: PQfname(result, $0)) }
        let types = (0..<fieldCount).map { UInt32(PQftype(result, $0)) }
        return (0..<PQntuples(result)).map { row in
            let values = (0..<fieldCount).map { field -> String? in
                PQgetisnull(result, row, field) == 1 ? nil : String(cString: PQgetvalue(result, row, field))
            }
            return PostgresRow(columns: columns, types: types, values: values)
        }
    }

    /// `strings` as a C array of C strings (NULL for nil), valid during `body`.
    private static func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
