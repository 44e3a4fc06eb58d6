import Foundation
import GAN
import Testing
@testable import GantryService

/// The store against a real SQLite file in a temporary folder.
@Suite struct JobStoreTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-store-\(UUID())").path

    func makeStore() throws -> JobStore {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try JobStore(path: directory + "/gantry.sqlite")
    }

    func job(_ id: String, status: JobStatus = .queued, key: String? = nil) -> Job {
        Job(id: id, status: status, createdAt: Date(), startedAt: nil, finishedAt: nil, config: JobConfig(), epochsCompleted: 0,
            stepsPerEpoch: nil, imagesPerSecond: nil, latest: nil, error: nil, idempotencyKey: key, requestHash: "h")
    }

    func losses(_ epoch: Int) -> EpochLosses {
        EpochLosses(epoch: epoch, dLoss: 1, gLoss: 2, dLossReal: 0.5, dLossFake: 0.5, dRealMean: 0.7, dFakeMean: 0.3, seconds: 0.1, steps: 40)
    }

    @Test func jobsAndEpochsPersistAcrossReopening() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let store = try makeStore()
            try store.insert(job("aaa"))
            try store.insert(job("bbb", key: "k1"))
            try store.setStatus("aaa", .running, startedAt: Date())
            try store.recordEpoch("aaa", losses(1), imagesPerSecond: 1000)
            try store.recordEpoch("aaa", losses(2), imagesPerSecond: 1100)
        }
        let store = try JobStore(path: directory + "/gantry.sqlite")
        let a = try #require(try store.job(id: "aaa"))
        #expect(a.status == .running && a.epochsCompleted == 2 && a.latest?.epoch == 2 && a.imagesPerSecond == 1100)
        #expect(try store.jobs().map(\.id) == ["bbb", "aaa"])
        #expect(try store.jobs(status: .running).map(\.id) == ["aaa"])
        #expect(try store.job(idempotencyKey: "k1")?.id == "bbb")
        #expect(try store.unfinishedJobs().map(\.id) == ["aaa", "bbb"])
        #expect(try store.epochs(of: "aaa", after: 1).map(\.epoch) == [2])
        #expect(try store.countsByStatus() == [.running: 1, .queued: 1])
    }

    @Test func anEpochIsRecordedAtMostOnce() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try makeStore()
        try store.insert(job("aaa"))
        try store.recordEpoch("aaa", losses(1), imagesPerSecond: 1)
        #expect(throws: (any Error).self) { try store.recordEpoch("aaa", losses(1), imagesPerSecond: 1) }
        try store.recordEpoch("aaa", losses(2), imagesPerSecond: 1)
        try store.discardEpochs(of: "aaa", after: 1)
        #expect(try store.epochs(of: "aaa").map(\.epoch) == [1])
        #expect(try store.job(id: "aaa")?.epochsCompleted == 1)
        try store.recordEpoch("aaa", losses(2), imagesPerSecond: 1)
        try store.delete("aaa")
        #expect(try store.job(id: "aaa") == nil)
        #expect(try store.epochs(of: "aaa").isEmpty)
    }

    @Test func databaseUsesWriteAheadLogging() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try makeStore()
        let mode = try store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }
}
