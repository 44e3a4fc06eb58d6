import Foundation
import GAN
@testable import GantryJobs
@testable import GantryStores

/// The real SQLite store, with any of its calls made to fail on demand: by name
/// (`"setStatus"`), once or until told otherwise. What a full disk or an I/O error
/// does to the store, without needing either.
final class FailingStore: JobStore, @unchecked Sendable {
    // @unchecked: `failing` and `calls` are only touched under `lock`.
    let real: SQLiteJobStore
    private let lock = NSLock()
    private var failing: [String: Bool] = [:]  // operation → fails only once
    private(set) var calls: [String] = []

    struct Injected: Error, CustomStringConvertible {
        let operation: String
        var description: String { "injected failure of \(operation)" }
    }

    init(path: String) throws { real = try SQLiteJobStore(path: path) }

    /// Makes `operation` fail, the next time only or every time.
    func fail(_ operation: String, once: Bool = true) { lock.withLock { failing[operation] = once } }
    func heal() { lock.withLock { failing.removeAll() } }

    private func check(_ operation: String) throws {
        let fails: Bool = lock.withLock {
            calls.append(operation)
            guard let once = failing[operation] else { return false }
            if once { failing[operation] = nil }
            return true
        }
        if fails { throw StoreFailure(operation: operation, reason: Injected(operation: operation).description) }
    }

    func insert(_ job: Job) throws { try check("insert"); try real.insert(job) }
    func job(id: String) throws -> Job? { try check("job"); return try real.job(id: id) }
    func generation(of id: String) -> Int { real.generation(of: id) }
    func job(idempotencyKey key: String) throws -> Job? { try check("jobByKey"); return try real.job(idempotencyKey: key) }
    func jobs(status: JobStatus?) throws -> [Job] { try check("jobs"); return try real.jobs(status: status) }
    func jobPage(status: JobStatus?, orIDs: [String], before: Int64?, limit: Int) throws -> JobPage {
        try check("jobPage")
        return try real.jobPage(status: status, orIDs: orIDs, before: before, limit: limit)
    }
    func finishedJobs(beyondNewest keep: Int, limit: Int) throws -> [String] {
        try check("finishedJobs")
        return try real.finishedJobs(beyondNewest: keep, limit: limit)
    }
    func unfinishedJobs() throws -> [Job] { try check("unfinishedJobs"); return try real.unfinishedJobs() }
    func setStatus(_ id: String, _ status: JobStatus, startedAt: Date?, finishedAt: Date?, error: String?) throws {
        try check("setStatus")
        try real.setStatus(id, status, startedAt: startedAt, finishedAt: finishedAt, error: error)
    }
    func setStepsPerEpoch(_ id: String, _ steps: Int) throws { try check("setStepsPerEpoch"); try real.setStepsPerEpoch(id, steps) }
    func delete(_ id: String) throws { try check("delete"); try real.delete(id) }
    func recordEpoch(_ id: String, _ losses: EpochLosses, imagesPerSecond: Double) throws {
        try check("recordEpoch")
        try real.recordEpoch(id, losses, imagesPerSecond: imagesPerSecond)
    }
    func discardEpochs(of id: String, after epoch: Int) throws { try check("discardEpochs"); try real.discardEpochs(of: id, after: epoch) }
    func epochs(of id: String, after since: Int) throws -> [EpochLosses] { try check("epochs"); return try real.epochs(of: id, after: since) }
    func totalEpochs() throws -> Int { try check("totalEpochs"); return try real.totalEpochs() }
    func ping() throws { try check("ping"); try real.ping() }
    func close() { real.close() }
    func cachedJob(id: String) -> Job? { real.cachedJob(id: id) }
    func cachedEpochs(of id: String) -> [EpochLosses]? { real.cachedEpochs(of: id) }
}
