import Foundation
import GAN
import Testing
@testable import GantryJobs
@testable import GantryStores

/// The store contract, run against every store: a real SQLite file in a temporary
/// folder and a real PostgreSQL server (`StoreKind`). What only SQLite has (its
/// pragmas, its older schemas) is in `SQLiteJobStoreTests`.
@Suite struct JobStoreTests {
    func job(_ id: String, status: JobStatus = .queued, key: String? = nil) -> Job {
        Job(id: id, status: status, createdAt: Date(), startedAt: nil, finishedAt: nil, config: JobConfig(), epochsCompleted: 0,
            stepsPerEpoch: nil, imagesPerSecond: nil, latest: nil, error: nil, idempotencyKey: key, requestHash: "h")
    }

    func losses(_ epoch: Int) -> EpochLosses {
        EpochLosses(epoch: epoch, dLoss: 1, gLoss: 2, dLossReal: 0.5, dLossFake: 0.5, dRealMean: 0.7, dFakeMean: 0.3, seconds: 0.1, steps: 40)
    }

    @Test(arguments: StoreKind.allCases) func jobsAndEpochsPersistAcrossReopening(kind: StoreKind) throws {
        let made = try kind.make()
        defer { made.cleanup() }
        do {
            let store = try made.open()
            try store.insert(job("aaa"))
            try store.insert(job("bbb", key: "k1"))
            try store.setStatus("aaa", .running, startedAt: Date())
            try store.recordEpoch("aaa", losses(1), imagesPerSecond: 1000)
            try store.recordEpoch("aaa", losses(2), imagesPerSecond: 1100)
        }
        let store = try made.open()
        let a = try #require(try store.job(id: "aaa"))
        #expect(a.status == .running && a.epochsCompleted == 2 && a.latest?.epoch == 2 && a.imagesPerSecond == 1100)
        #expect(try store.jobs().map(\.id) == ["bbb", "aaa"])
        #expect(try store.jobs(status: .running).map(\.id) == ["aaa"])
        #expect(try store.job(idempotencyKey: "k1")?.id == "bbb")
        #expect(try store.unfinishedJobs().map(\.id) == ["aaa", "bbb"])
        #expect(try store.epochs(of: "aaa", after: 1).map(\.epoch) == [2])
        #expect(Dictionary(grouping: try store.jobs(), by: \.status).mapValues(\.count) == [.running: 1, .queued: 1])
    }

    func evaluated(_ epoch: Int, fd: Double, counts: [Int] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) -> EpochLosses {
        var record = losses(epoch)
        record.evaluation = EpochEvaluation(scores: .init(fd: fd, inceptionScore: 7.5, classCounts: counts, confidentShare: 0.8),
                                            samples: counts.reduce(0, +), seconds: 0.05)
        return record
    }

    @Test(arguments: StoreKind.allCases) func scoresRoundTripAndTheBestIsTheLowestFDEarliestOnTies(kind: StoreKind) throws {
        let made = try kind.make()
        defer { made.cleanup() }
        let store = try made.open()
        try store.insert(job("aaa"))
        #expect(try store.job(id: "aaa")?.best == nil)
        try store.recordEpoch("aaa", losses(1), imagesPerSecond: 1)
        try store.recordEpoch("aaa", evaluated(2, fd: 50), imagesPerSecond: 1)
        try store.recordEpoch("aaa", evaluated(3, fd: 20), imagesPerSecond: 1)
        try store.recordEpoch("aaa", evaluated(4, fd: 20), imagesPerSecond: 1)
        try store.recordEpoch("aaa", evaluated(5, fd: 90, counts: [0, 0, 0, 600, 0, 0, 0, 0, 0, 400]), imagesPerSecond: 1)
        try store.recordEpoch("aaa", losses(6), imagesPerSecond: 1)
        let a = try #require(try store.job(id: "aaa"))
        #expect(a.best?.epoch == 3 && a.best?.evaluation?.scores.fd == 20)
        #expect(a.lastEvaluated?.epoch == 5 && a.lastEvaluated?.evaluation?.scores.classCounts == [0, 0, 0, 600, 0, 0, 0, 0, 0, 400])
        #expect(a.latest?.epoch == 6 && a.latest?.evaluation == nil)
        let records = try store.epochs(of: "aaa")
        #expect(records[1] == evaluated(2, fd: 50) && records[0].evaluation == nil)
        // The mode-collapse warning is about the latest evaluation: 60% in one class.
        let warnings = JobWarning.warnings(for: a)
        #expect(warnings.map(\.code) == ["mode_collapse"] && warnings[0].epoch == 5 && warnings[0].message.contains("60% of 1000"))
        // Discarding epochs on resume moves the best back too.
        try store.discardEpochs(of: "aaa", after: 2)
        #expect(try store.job(id: "aaa")?.best?.epoch == 2)
    }

    @Test(arguments: StoreKind.allCases) func anEpochIsRecordedAtMostOnce(kind: StoreKind) throws {
        let made = try kind.make()
        defer { made.cleanup() }
        let store = try made.open()
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

    /// An epoch row is `EpochLosses`' own Codable form: the record's keys and the table's
    /// columns are the same set, so a new field is one edit there plus its migration
    /// (this fails until the migration adds the column). The round trip keeps every value.
    @Test(arguments: StoreKind.allCases) func epochRowsAreTheRecordsCodableForm(kind: StoreKind) throws {
        let made = try kind.make()
        defer { made.cleanup() }
        let store = try made.open()
        let columns = try made.columns(store, "epochs")
        #expect(Set(columns) == Set(EpochRow.columns + ["job_id"]))
        try store.insert(job("aaa"))
        let record = evaluated(1, fd: 12.5)
        try store.recordEpoch("aaa", record, imagesPerSecond: 1)
        try store.recordEpoch("aaa", losses(2), imagesPerSecond: 1)
        let reopened = try store.epochs(of: "aaa")  // read from the database: the writes emptied the cache
        #expect(reopened == [record, losses(2)])
    }

    /// A job row is `Job`'s Codable form in the same way: its coding keys are the
    /// `jobs` table's columns (less the bookkeeping: insertion order, leases), and every stored field
    /// survives the round trip through the database.
    @Test(arguments: StoreKind.allCases) func jobRowsAreTheJobsCodableForm(kind: StoreKind) throws {
        let made = try kind.make()
        defer { made.cleanup() }
        let store = try made.open()
        let columns = try made.columns(store, "jobs")
        #expect(Set(columns) == Set(Job.CodingKeys.allCases.map(\.rawValue) + kind.bookkeepingColumns))
        var config = JobConfig()
        config.dataset = "mnist5k"
        config.training.epochs = 7
        config.evalEvery = .every(3)
        let stored = Job(id: "aaa", status: .failed, createdAt: Date(timeIntervalSince1970: 1_700_000_000.25),
                         startedAt: Date(timeIntervalSince1970: 1_700_000_001.5), finishedAt: Date(timeIntervalSince1970: 1_700_000_002.75),
                         config: config, epochsCompleted: 0, stepsPerEpoch: 78, imagesPerSecond: nil, latest: nil,
                         error: "disk full", idempotencyKey: "key-1", requestHash: "hash")
        try store.insert(stored)
        #expect(store.cachedJob(id: "aaa") == nil)  // so the next read is the database's
        #expect(try store.job(id: "aaa") == stored)
    }
}

/// The job list's pages and the retention sweep's query, against every store.
@Suite struct JobPageTests {
    func job(_ id: String, status: JobStatus = .queued, finishedAt: Double? = nil) -> Job {
        Job(id: id, status: status, createdAt: Date(timeIntervalSince1970: 1_700_000_000), startedAt: nil,
            finishedAt: finishedAt.map { Date(timeIntervalSince1970: $0) }, config: JobConfig(), epochsCompleted: 0,
            stepsPerEpoch: nil, imagesPerSecond: nil, latest: nil, error: nil, idempotencyKey: nil, requestHash: "h")
    }

    /// Walks the list `limit` at a time; `between` runs after each page.
    func walk(_ store: any JobStore, status: JobStatus? = nil, orIDs: [String] = [], limit: Int,
              between: ([String]) throws -> Void = { _ in }) throws -> [[String]] {
        var pages: [[String]] = []
        var before: Int64?
        repeat {
            let page = try store.jobPage(status: status, orIDs: orIDs, before: before, limit: limit)
            pages.append(page.jobs.map(\.id))
            before = page.next
            try between(pages[pages.count - 1])
        } while before != nil && pages.count < 100
        return pages
    }

    @Test(arguments: StoreKind.allCases) func pagesAreNewestFirstAndTheLastHasNoNext(kind: StoreKind) throws {
        let made = try kind.make()
        defer { made.cleanup() }
        let store = try made.open()
        let ids = (0..<20).map { String(format: "job%02d", $0) }
        for id in ids { try store.insert(job(id)) }
        let newestFirst = Array(ids.reversed())
        #expect(try walk(store, limit: 10) == [Array(newestFirst[0..<10]), Array(newestFirst[10..<20])])
        #expect(try walk(store, limit: 7) == [Array(newestFirst[0..<7]), Array(newestFirst[7..<14]), Array(newestFirst[14..<20])])
        #expect(try walk(store, limit: 1000) == [newestFirst])
    }

    /// Every job that existed throughout a walk is shown exactly once, whatever was
    /// inserted or deleted between pages, including the job the cursor points after.
    @Test(arguments: StoreKind.allCases) func aWalkShowsEachJobThatStayedOnceDespiteInsertsAndDeletes(kind: StoreKind) throws {
        let made = try kind.make()
        defer { made.cleanup() }
        let store = try made.open()
        let ids = (0..<30).map { String(format: "old%02d", $0) }
        for id in ids { try store.insert(job(id)) }
        var deleted: Set<String> = []
        var inserted = 0
        let pages = try walk(store, limit: 8) { page in
            guard let lastShown = page.last, let position = ids.firstIndex(of: lastShown) else { return }
            // Newer jobs arrive, the last one shown goes (the cursor's own job), and one
            // not yet shown goes.
            for _ in 0..<3 {
                try store.insert(job(String(format: "new%02d", inserted)))
                inserted += 1
            }
            for id in [lastShown, ids[max(0, position - 2)]] where !deleted.contains(id) {
                try store.delete(id)
                deleted.insert(id)
            }
        }
        let shown = pages.flatMap { $0 }
        let stayed = ids.reversed().filter { !deleted.contains($0) }
        #expect(shown.filter { $0.hasPrefix("old") && !deleted.contains($0) } == stayed)
        #expect(Set(shown).count == shown.count)
        #expect(shown.allSatisfy { $0.hasPrefix("old") })  // newer jobs wait for a walk from the start
    }

    @Test(arguments: StoreKind.allCases) func aStatusPageHoldsThatStatusAndTheIDsAskedFor(kind: StoreKind) throws {
        let made = try kind.make()
        defer { made.cleanup() }
        let store = try made.open()
        for n in 0..<12 { try store.insert(job("job\(n)", status: n % 3 == 0 ? .running : .completed, finishedAt: 1)) }
        #expect(try walk(store, status: .running, limit: 3) == [["job9", "job6", "job3"], ["job0"]])
        #expect(try walk(store, status: .running, orIDs: ["job4"], limit: 3) == [["job9", "job6", "job4"], ["job3", "job0"]])
        #expect(try walk(store, status: .failed, limit: 3) == [[]])
    }

    /// The sweep's query: finished jobs past the `keep` that finished last, oldest
    /// finish first; queued, downloading and running jobs never, however old.
    @Test(arguments: StoreKind.allCases) func finishedJobsBeyondTheNewestAreTheOldestFinishes(kind: StoreKind) throws {
        let made = try kind.make()
        defer { made.cleanup() }
        let store = try made.open()
        try store.insert(job("queued0"))
        try store.insert(job("running0", status: .running))
        try store.insert(job("downloading0", status: .downloading))
        // Inserted in an order unlike their finishes: retention goes by finish time.
        try store.insert(job("done30", status: .completed, finishedAt: 30))
        try store.insert(job("failed10", status: .failed, finishedAt: 10))
        try store.insert(job("cancelled50", status: .cancelled, finishedAt: 50))
        try store.insert(job("done20", status: .completed, finishedAt: 20))
        try store.insert(job("done40", status: .completed, finishedAt: 40))
        #expect(try store.finishedJobs(beyondNewest: 2, limit: 100) == ["failed10", "done20", "done30"])
        #expect(try store.finishedJobs(beyondNewest: 0, limit: 100) == ["failed10", "done20", "done30", "done40", "cancelled50"])
        #expect(try store.finishedJobs(beyondNewest: 5, limit: 100) == [])
        #expect(try store.finishedJobs(beyondNewest: 1, limit: 2).count == 2)
    }
}
