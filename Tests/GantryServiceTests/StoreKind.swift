import Foundation
import GantryTestSupport
import Testing
@testable import GantryJobs
@testable import PostgresClient
@testable import GantryStores

/// The stores the contract tests in `JobStoreTests` run against: SQLite on a file in a
/// temporary folder, and PostgreSQL on a real server the test starts (`PostgresServer`).
enum StoreKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres

    var description: String { rawValue }

    /// The `jobs` columns that are not a job's Codable keys: the insertion order, and
    /// in the shared store the lease a node holds on the job.
    var bookkeepingColumns: [String] {
        switch self {
        case .sqlite: ["seq"]
        case .postgres: ["seq", "lease_owner", "lease_token", "lease_expires_at"]
        }
    }

    /// A fresh empty database of this kind; throws (or, outside CI, cancels the test)
    /// when PostgreSQL is not installed.
    func make() throws -> StoreUnderTest {
        switch self {
        case .sqlite:
            let directory = TestPaths.temporaryDirectory("store")
            let path = directory.path + "/gantry.sqlite"
            return StoreUnderTest(open: { try SQLiteJobStore(path: path) },
                                  cleanup: { try? FileManager.default.removeItem(at: directory) }) { store, table in
                // The store holds SQLite's exclusive lock: ask through it.
                try (store as! SQLiteJobStore).database.read { db in
                    try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table])
                }
            }
        case .postgres:
            guard PostgresServer.available else { try missingResource(PostgresServer.resource) }
            let server = try PostgresServer(name: "store")
            return StoreUnderTest(open: { try PostgresJobStore(url: server.url) }, cleanup: server.shutdown) { _, table in
                try PostgresConnection(url: server.url)
                    .execute("SELECT column_name FROM information_schema.columns WHERE table_name = $1", [table])
                    .compactMap { $0["column_name"] }
            }
        }
    }
}

/// One test's empty database, and what a contract test needs beside the protocol.
struct StoreUnderTest {
    /// A store on the database (again, as a restarted daemon opens it).
    let open: () throws -> any JobStore
    /// Deletes the database (and stops its server).
    let cleanup: () -> Void
    /// The column names of a table, as the database lists them (asked through the open store).
    let columns: (_ store: any JobStore, _ table: String) throws -> [String]
}
