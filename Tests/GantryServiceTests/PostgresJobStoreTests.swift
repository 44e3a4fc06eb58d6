import Foundation
import GAN
import GantryTestSupport
import Testing
@testable import GantryJobs
@testable import PostgresClient
@testable import GantryStores

/// What only the PostgreSQL store has, against a real server the test starts: its
/// migrations table, a lost server failing calls by name (not a crash or a hang),
/// reconnecting once the server is back, and two stores on one database (two nodes).
@Suite(.needs(PostgresServer.resource, PostgresServer.available)) struct PostgresJobStoreTests {
    private let records = JobStoreTests()

    private func withServer(_ body: (PostgresServer) throws -> Void) throws {
        try requireResource(PostgresServer.resource, PostgresServer.available)
        let server = try PostgresServer(name: "pgstore")
        defer { server.shutdown() }
        try body(server)
    }

    @Test func migrationsAreRecordedAndRunOnce() throws {
        try withServer { server in
            _ = try PostgresJobStore(url: server.url)
            let again = try PostgresJobStore(url: server.url)  // the tables exist: nothing to do, no error
            try again.insert(records.job("aaa"))
            let versions = try PostgresConnection(url: server.url).execute("SELECT version FROM schema_migrations ORDER BY version")
            #expect(versions.map { $0["version"] } == PostgresSchema.migrations.map(\.name))
        }
    }

    /// The server stops under an open store: each call fails at once with a
    /// `StoreFailure` naming it and libpq's reason; once the server is back the next
    /// call reconnects and finds what was written before.
    @Test func aLostServerFailsCallsByNameAndTheStoreReconnectsWhenItIsBack() throws {
        try withServer { server in
            let store = try PostgresJobStore(url: server.url)
            try store.insert(records.job("aaa"))
            try store.recordEpoch("aaa", records.losses(1), imagesPerSecond: 10)
            try server.stop()

            let started = Date()
            let lost = try #require(throws: StoreFailure.self) { try store.job(id: "aaa") }
            #expect(lost.operation.hasPrefix("job(") && !lost.reason.isEmpty && !lost.reason.contains("\n"))
            let refused = try #require(throws: StoreFailure.self) { try store.recordEpoch("aaa", records.losses(2), imagesPerSecond: 10) }
            #expect(refused.operation.hasPrefix("recordEpoch(") && refused.description.contains("(recordEpoch)"))
            #expect(throws: StoreFailure.self) { try store.ping() }
            #expect(Date().timeIntervalSince(started) < 5)

            try server.start()
            #expect(try store.job(id: "aaa")?.latest == records.losses(1))
            try store.recordEpoch("aaa", records.losses(2), imagesPerSecond: 10)
            #expect(try store.epochs(of: "aaa").map(\.epoch) == [1, 2])
        }
    }

    /// The URL's `sslmode` reaches libpq: the test server speaks no TLS, so `require`
    /// is refused for it and `disable` connects.
    @Test func theURLsSSLModeIsHonoured() throws {
        try withServer { server in
            let separator = server.url.contains("?") ? "&" : "?"
            let failure = try #require(throws: StoreFailure.self) { try PostgresJobStore(url: server.url + separator + "sslmode=require") }
            #expect(failure.reason.contains("SSL"), "\(failure)")
            let plain = try PostgresJobStore(url: server.url + separator + "sslmode=disable")
            try plain.ping()
            plain.close()
        }
    }

    @Test func anUnreachableServerFailsTheOpenWithLibpqsReason() throws {
        try withServer { server in
            try server.stop()
            let failure = try #require(throws: StoreFailure.self) { try PostgresJobStore(url: server.url) }
            #expect(failure.operation == "open" && failure.reason.contains("127.0.0.1") && !failure.reason.contains("postgres://"))
        }
    }

    /// Nothing is cached: what one node writes, another reads at once.
    @Test func twoStoresOnOneDatabaseSeeEachOthersWrites() throws {
        try withServer { server in
            let one = try PostgresJobStore(url: server.url), two = try PostgresJobStore(url: server.url)
            try one.insert(records.job("aaa"))
            #expect(try two.job(id: "aaa")?.status == .queued)
            try two.setStatus("aaa", .running, startedAt: Date())
            try two.recordEpoch("aaa", records.losses(1), imagesPerSecond: 5)
            #expect(try one.job(id: "aaa")?.status == .running && one.job(id: "aaa")?.epochsCompleted == 1)
            #expect(throws: StoreFailure.self) { try one.recordEpoch("aaa", records.losses(1), imagesPerSecond: 5) }
            #expect(try one.totalEpochs() == 1 && two.totalEpochs() == 1)
        }
    }
}
