import CGantryPQ
import Foundation

/// A statement parameter: text, or bytes sent in binary (for `bytea`).
package enum PostgresValue {
    case text(String)
    case bytes([UInt8])
}

/// One libpq connection; every C pointer stays inside this type.
///
/// Not Sendable: libpq allows one thread at a time per connection, so its owner
/// (`PostgresJobStore`) calls it under its own lock. Statements take their
/// parameters separately (`PQexecParams`, text format), never spliced into SQL.
package final class PostgresConnection {
    private var connection: OpaquePointer?

    /// Connects to `url` (`postgres://user@host:port/db?sslmode=…`), or throws libpq's reason.
    /// Without a `connect_timeout` in the URL a connection attempt gives up after
    /// 10 s, so an unreachable server fails a call instead of hanging it.
    package init(url: String) throws(PostgresError) {
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
        try configureSession()
    }

    /// Notices ("relation already exists, skipping") would go to stderr; a statement
    /// that runs longer than 30 s (a lock never released) fails instead of hanging a call.
    private func configureSession() throws(PostgresError) {
        // libpq prints server notices (and the FATAL a server sends as it shuts down) to
        // stderr by default; the calls that matter report their errors themselves.
        if let connection { PQsetNoticeProcessor(connection, { _, _ in }, nil) }
        _ = try execute("SET client_min_messages = warning")
        _ = try execute("SET statement_timeout = '30s'")
    }

    deinit { close() }

    /// Whether the connection is gone (server restarted, network lost); `reconnect` may bring it back.
    package var isBroken: Bool {
        guard let connection else { return true }
        return PQstatus(connection) != CONNECTION_OK
    }

    /// Notices whether the server closed this idle connection (it restarted, or ended the
    /// session): anything readable on an idle connection is its goodbye. Afterwards
    /// `isBroken` tells the truth, so a pool can reconnect before lending it out.
    package func checkIdle() {
        guard let connection else { return }
        // The server's FATAL message and the end of the stream may come in separate
        // reads: keep reading while there is something, until libpq sees the end.
        for _ in 0..<4 where PQstatus(connection) == CONNECTION_OK {
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0, PQconsumeInput(connection) == 1 else { return }
        }
    }

    /// Reconnects with the same settings, or throws libpq's reason.
    package func reconnect() throws(PostgresError) {
        guard let connection else { throw PostgresError("connection closed") }
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else { throw PostgresError(String(cString: PQerrorMessage(connection))) }
        try configureSession()
    }

    package func close() {
        if let connection { PQfinish(connection) }
        connection = nil
    }

    /// Runs one statement with `parameters` bound to $1, $2, … (nil is NULL), and
    /// returns its rows (none for a statement that returns none).
    @discardableResult
    package func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> [PostgresRow] {
        try execute(sql, values: parameters.map { $0.map(PostgresValue.text) })
    }

    /// Runs one statement with text or binary (`bytea`) parameters, and returns its rows.
    @discardableResult
    package func execute(_ sql: String, values: [PostgresValue?]) throws(PostgresError) -> [PostgresRow] {
        let result = try run(sql, values: values, binaryResult: false)
        defer { PQclear(result) }
        return Self.rows(of: result)
    }

    /// Runs a query whose first column is `bytea`, and returns that column's bytes
    /// per row (nil for NULL), read in binary rather than as hex text.
    package func bytes(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> [[UInt8]?] {
        let result = try run(sql, values: parameters.map { $0.map(PostgresValue.text) }, binaryResult: true)
        defer { PQclear(result) }
        return (0..<PQntuples(result)).map { row -> [UInt8]? in
            guard PQgetisnull(result, row, 0) == 0 else { return nil }
            let count = Int(PQgetlength(result, row, 0))
            guard count > 0, let start = PQgetvalue(result, row, 0) else { return [] }
            return start.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
        }
    }

    /// The statement's result, checked: the caller clears it.
    private func run(_ sql: String, values: [PostgresValue?], binaryResult: Bool) throws(PostgresError) -> OpaquePointer {
        guard let connection else { throw PostgresError("connection closed") }
        // Text values as C strings, bytes as they are; libpq copies them before returning.
        let buffers: [UnsafeMutablePointer<CChar>?] = values.map { value in
            switch value {
            case nil: return nil
            case .text(let text)?: return strdup(text)
            case .bytes(let bytes)?:
                let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, bytes.count))
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: bytes.count) }
                }
                return buffer
            }
        }
        defer {
            for (value, buffer) in zip(values, buffers) {
                if case .bytes? = value { buffer?.deallocate() } else { free(buffer) }
            }
        }
        let lengths = values.map { value -> Int32 in if case .bytes(let b)? = value { Int32(b.count) } else { 0 } }
        let formats = values.map { value -> Int32 in if case .bytes? = value { 1 } else { 0 } }
        let pointers = buffers.map { UnsafePointer($0) }
        let result = pointers.withUnsafeBufferPointer { p in
            lengths.withUnsafeBufferPointer { l in
                formats.withUnsafeBufferPointer { f in
                    PQexecParams(connection, sql, Int32(values.count), nil, p.baseAddress, l.baseAddress, f.baseAddress, binaryResult ? 1 : 0)
                }
            }
        }
        guard let result else { throw PostgresError(String(cString: PQerrorMessage(connection))) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_TUPLES_OK:
            return result
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = String(cString: PQresultErrorMessage(result))
            PQclear(result)
            throw PostgresError(message, sqlState: state)
        }
    }

    // MARK: Notifications

    /// The connection's socket, to wait on for notifications (-1 when closed).
    package var socket: Int32 { connection.map { PQsocket($0) } ?? -1 }

    /// Reads what the server sent and returns the notifications received since the
    /// last call, as (channel, payload); throws when the connection is lost.
    package func notifications() throws(PostgresError) -> [(channel: String, payload: String)] {
        guard let connection else { throw PostgresError("connection closed") }
        guard PQconsumeInput(connection) == 1 else { throw PostgresError(String(cString: PQerrorMessage(connection))) }
        var received: [(channel: String, payload: String)] = []
        while let notice = PQnotifies(connection) {
            received.append((String(cString: notice.pointee.relname), String(cString: notice.pointee.extra)))
            PQfreemem(notice)
        }
        return received
    }

    /// Runs `body` between BEGIN and COMMIT; rolls back and rethrows when it throws.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
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
