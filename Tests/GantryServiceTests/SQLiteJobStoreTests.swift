import Foundation
import GAN
import GRDB
import Testing
@testable import GantryJobs
@testable import GantryStores

/// What only the SQLite store has: its pragmas, its lock, and its older schemas. The
/// contract both stores keep is `JobStoreTests`.
@Suite struct SQLiteJobStoreTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-store-\(UUID())").path
    private let records = JobStoreTests()

    func makeStore() throws -> SQLiteJobStore {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try SQLiteJobStore(path: directory + "/gantry.sqlite")
    }

    func job(_ id: String) -> Job { records.job(id) }
    func losses(_ epoch: Int) -> EpochLosses { records.losses(epoch) }
    func evaluated(_ epoch: Int, fd: Double) -> EpochLosses { records.evaluated(epoch, fd: fd) }

    @Test func aDatabaseFromBeforeQualityScoresIsMigratedWithItsEpochs() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            let old = try DatabaseQueue(path: directory + "/gantry.sqlite")
            try SQLiteJobStore.migrator.migrate(old, upTo: "v1: jobs and epochs")
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO jobs (id, status, created_at, config, epochs_completed) VALUES ('old', 'completed', 0, ?, 1);
                    INSERT INTO epochs VALUES ('old', 1, 1, 2, 0.5, 0.5, 0.7, 0.3, 0.1, 40);
                    """, arguments: [String(decoding: try JSONEncoder().encode(JobConfig()), as: UTF8.self)])
            }
        }
        let store = try SQLiteJobStore(path: directory + "/gantry.sqlite")
        let old = try #require(try store.job(id: "old"))
        #expect(old.latest == losses(1) && old.best == nil && old.lastEvaluated == nil)
        try store.recordEpoch("old", evaluated(2, fd: 12), imagesPerSecond: 1)
        #expect(try store.job(id: "old")?.best?.epoch == 2)
    }

    /// WAL with its index in memory (no `-shm` file mapped, which a full or immutable
    /// disk turns into SIGBUS), commits synced, and a second process's store refused.
    @Test func databaseIsWriteAheadExclusiveAndSynced() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try makeStore()
        try store.insert(job("aaa"))
        let (mode, locking, synchronous) = try store.database.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try String.fetchOne(db, sql: "PRAGMA locking_mode"),
             try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(mode == "wal" && locking == "exclusive" && synchronous == 2)
        #expect(FileManager.default.fileExists(atPath: directory + "/gantry.sqlite-wal"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/gantry.sqlite-shm"))
        // Another opener (as a second daemon on this folder would be) cannot read or write.
        #expect(throws: StoreFailure.self) { try SQLiteJobStore(path: directory + "/gantry.sqlite").jobs() }
    }

    /// Times stay seconds since 1970 in a REAL column, as the first schema stored them.
    @Test func timesAreStoredAsRealSeconds() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try makeStore()
        try store.insert(Job(id: "aaa", status: .queued, createdAt: Date(timeIntervalSince1970: 1_700_000_000.25), startedAt: nil,
                             finishedAt: nil, config: JobConfig(), epochsCompleted: 0, stepsPerEpoch: nil, imagesPerSecond: nil,
                             latest: nil, error: nil, idempotencyKey: nil, requestHash: nil))
        let createdAt = try store.database.read { db in try DatabaseValue.fetchOne(db, sql: "SELECT created_at FROM jobs") }
        #expect(createdAt?.storage == .double(1_700_000_000.25))
    }
}

/// The store's file replaced or removed under an open store.
@Suite struct DatabaseFileWatchTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-watch-\(UUID())").path
    private let records = JobStoreTests()

    @Test("a database file replaced under the store: writes and ping throw DatabaseFileLost(.replaced); a saved copy holds every commit")
    func replacedFileIsRefusedAndSaved() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/gantry.sqlite"
        var store: SQLiteJobStore? = try SQLiteJobStore(path: path)
        try store!.insert(records.job("kept"))
        try store!.recordEpoch("kept", records.losses(1), imagesPerSecond: 1)
        try store!.ping()
        // Another database moved over the path, as a restore from a backup would.
        _ = try SQLiteJobStore(path: directory + "/other.sqlite")
        #expect(rename(directory + "/other.sqlite", path) == 0)

        #expect(throws: DatabaseFileLost(change: .replaced)) { try store!.insert(records.job("lost")) }
        #expect(throws: DatabaseFileLost(change: .replaced)) { try store!.ping() }
        #expect(throws: DatabaseFileLost(change: .replaced)) { try store!.setStepsPerEpoch("kept", 9) }
        let saved = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("gantry.sqlite.saved-") }
        #expect(saved.count == 1, "saved copies: \(saved)")
        let copy = try SQLiteJobStore(path: directory + "/" + (saved.first ?? ""))
        #expect(try copy.job(id: "kept")?.epochsCompleted == 1)
        #expect(try copy.job(id: "lost") == nil)
        // The refused store's write-ahead log went into the file it opened, so nothing of it
        // is replayed into the replacement, which holds no job of it.
        var log = stat()
        #expect(stat(path + "-wal", &log) != 0 || log.st_size == 0, "a write-ahead log of \(log.st_size) bytes is left at the path")
        #expect(try SQLiteJobStore(path: path).jobs(status: nil).isEmpty)
        store = nil
    }
}
