import Foundation
import GRDB
import GantryTestSupport
import Testing
@testable import GantryJobs
@testable import PostgresClient
@testable import GantryStores

/// The row mappings (`JobRow`, `EpochRow`) list each table's columns once; each store's
/// migrations must have made exactly those columns, with the mapping's types and
/// NOT NULLs. A column a store's migrations forget, or a type one of them gets wrong,
/// fails here before any record goes missing.
@Suite struct StoreSchemaTests {
    /// What a table must hold beyond the mapping: keys and a store's own bookkeeping.
    struct Expected: Equatable, CustomStringConvertible {
        var columns: [String: (type: String, required: Bool)]
        static func == (a: Expected, b: Expected) -> Bool {
            a.columns.keys.sorted() == b.columns.keys.sorted()
                && a.columns.allSatisfy { name, column in b.columns[name].map { $0 == column } ?? false }
        }
        var description: String { columns.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.type)\($0.value.required ? " NOT NULL" : "")" }.joined(separator: ", ") }
    }

    static func expected(_ mapping: [(String, ColumnType, Bool)], extra: [String: (String, Bool)], type: (ColumnType) -> String) -> Expected {
        var columns = extra.mapValues { (type: $0.0, required: $0.1) }
        for (name, kind, required) in mapping { columns[name] = (type(kind), required) }
        return Expected(columns: columns)
    }

    static var jobs: [(String, ColumnType, Bool)] { JobRow.all.map { ($0.name, $0.type, $0.required) } }
    static var epochs: [(String, ColumnType, Bool)] { EpochRow.all.map { ($0.name, $0.type, $0.required) } }

    @Test func theSQLiteTablesHaveTheMappingsColumns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-schema-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteJobStore(path: directory + "/gantry.sqlite")
        func table(_ name: String) throws -> Expected {
            try store.database.read { db in
                var columns: [String: (type: String, required: Bool)] = [:]
                for row in try Row.fetchAll(db, sql: "PRAGMA table_info(\(name))") {
                    // A primary key column is NOT NULL whether or not it says so.
                    columns[row["name"]] = (row["type"], (row["notnull"] as Int) == 1 || (row["pk"] as Int) > 0)
                }
                return Expected(columns: columns)
            }
        }
        let jobs = Self.expected(Self.jobs, extra: ["seq": ("INTEGER", true)], type: \.sqlite)
        let epochs = Self.expected(Self.epochs, extra: ["job_id": ("TEXT", true)], type: \.sqlite)
        let (jobsTable, epochsTable) = (try table("jobs"), try table("epochs"))
        #expect(jobsTable == jobs, "jobs: \(jobsTable)\nmapping: \(jobs)")
        #expect(epochsTable == epochs, "epochs: \(epochsTable)\nmapping: \(epochs)")
    }

    @Test(.needs(PostgresServer.resource, PostgresServer.available))
    func thePostgreSQLTablesHaveTheMappingsColumns() throws {
        try requireResource(PostgresServer.resource, PostgresServer.available)
        let server = try PostgresServer(name: "pgschema")
        defer { server.shutdown() }
        _ = try PostgresJobStore(url: server.url)
        let connection = try PostgresConnection(url: server.url)
        func table(_ name: String) throws -> Expected {
            var columns: [String: (type: String, required: Bool)] = [:]
            for row in try connection.execute("""
                SELECT column_name, upper(data_type) AS type, is_nullable FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = $1
                """, [name]) {
                columns[row["column_name"] ?? ""] = (row["type"] ?? "", row["is_nullable"] == "NO")
            }
            return Expected(columns: columns)
        }
        let jobs = Self.expected(Self.jobs, extra: ["seq": ("BIGINT", true), "lease_owner": ("TEXT", false),
                                                    "lease_token": ("BIGINT", true), "lease_expires_at": ("DOUBLE PRECISION", false)],
                                 type: \.postgres)
        let epochs = Self.expected(Self.epochs, extra: ["job_id": ("TEXT", true)], type: \.postgres)
        let (jobsTable, epochsTable) = (try table("jobs"), try table("epochs"))
        #expect(jobsTable == jobs, "jobs: \(jobsTable)\nmapping: \(jobs)")
        #expect(epochsTable == epochs, "epochs: \(epochsTable)\nmapping: \(epochs)")
    }
}
