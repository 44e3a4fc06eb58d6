import Foundation
import GAN
import MNIST
import Testing
@testable import GantryJobs
@testable import GantryService

/// The scheduler against the real SQLite store with calls made to fail (`FailingStore`),
/// training real (tiny) jobs on the fixture's digits: a failing store fails the call
/// that met it, never leaves a lock held, and a job keeps one status.
@Suite(.serialized) final class SchedulerTests {
    let fixture: ServiceFixture
    var store: FailingStore { fixture.store }
    var scheduler: Scheduler { fixture.scheduler }
    var files: JobFiles { fixture.files }

    init() throws { fixture = try ServiceFixture() }

    func config(epochs: Int) -> JobConfig {
        var config = JobConfig()
        config.dataset = "mnist5k"
        config.training.epochs = epochs
        config.training.gHidden = 8
        config.training.dHidden = 8
        config.training.seed = 3
        config.samplesPerEpoch = 1
        config.evalEvery = .every(0)
        return config
    }

    func create(epochs: Int, key: String? = nil) throws -> Job {
        try scheduler.create(config: config(epochs: epochs), requestHash: "\(epochs)", idempotencyKey: key).job
    }

    /// The job as the API shows it, once `condition` holds (within 30 s).
    @discardableResult
    func waitFor(_ id: String, _ what: String, _ condition: (Job) -> Bool) throws -> Job {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let job = try store.real.job(id: id).map(scheduler.effective), condition(job) { return job }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw FailingStore.Injected(operation: "waiting for job \(id) to be \(what)")
    }

    /// The scheduler's lock is free and the store answers: what `/healthz` checks.
    func answering() -> Bool { GantryDaemon.problem(scheduler: scheduler, store: store) == nil }

    @Test(arguments: ["insert", "jobByKey"])
    func aCreateTheStoreFailsThrowsAndTheNextOneWorks(operation: String) throws {
        store.fail(operation)
        #expect(throws: StoreFailure.self) { try self.create(epochs: 1, key: "k") }
        #expect(answering())
        let job = try create(epochs: 1, key: "k")
        #expect(try create(epochs: 1, key: "k").id == job.id, "the key made one job")
        try waitFor(job.id, "completed") { $0.status == .completed }
    }

    @Test func aCancelTheStoreCannotRecordStopsTheJobAndShowsItCancelledEverywhere() throws {
        let job = try create(epochs: 10_000)
        try waitFor(job.id, "running") { $0.status == .running && $0.epochsCompleted >= 1 }
        store.fail("setStatus", once: false)
        #expect(throws: StoreFailure.self) { try self.scheduler.cancel(job.id) }
        #expect(answering())
        // Stopped: it leaves the scheduler's table within a step or two.
        let deadline = Date().addingTimeInterval(10)
        while scheduler.activeJob(job.id) != nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(scheduler.activeJob(job.id) == nil)
        let all = try store.real.jobs()
        #expect(scheduler.effective(all, status: .running).isEmpty)
        #expect(scheduler.effective(all, status: .cancelled).map(\.id) == [job.id])
        // The list's pages too: the store holds it running, the pages show it cancelled.
        #expect(try scheduler.jobPage(status: .running, before: nil, limit: 10).jobs.isEmpty)
        #expect(try scheduler.jobPage(status: .cancelled, before: nil, limit: 10).jobs.map(\.id) == [job.id])
        #expect(try scheduler.jobPage(status: nil, before: nil, limit: 10).jobs.map(\.status) == [.cancelled])
        #expect(try scheduler.cancel(job.id).status == .cancelled, "a second cancel answers with the job as shown")
        // Deletable, being finished as shown; the store's delete works.
        store.heal()
        try scheduler.delete(job.id)
        #expect(try store.real.job(id: job.id) == nil)
    }

    @Test(arguments: ["job", "delete"])
    func aDeleteTheStoreFailsThrowsAndTheNextOneWorks(operation: String) throws {
        let job = try create(epochs: 1)
        try waitFor(job.id, "completed") { $0.status == .completed }
        store.fail(operation)
        #expect(throws: StoreFailure.self) { try self.scheduler.delete(job.id) }
        #expect(answering())
        try scheduler.delete(job.id)
        #expect(try store.real.job(id: job.id) == nil)
        #expect(!FileManager.default.fileExists(atPath: files.directory(job.id)))
    }

    @Test func aCancelWhoseReadFailsThrowsAndTheNextOneWorks() throws {
        let job = try create(epochs: 10_000)
        try waitFor(job.id, "running") { $0.status == .running }
        store.fail("job")
        #expect(throws: StoreFailure.self) { try self.scheduler.cancel(job.id) }
        #expect(answering())
        #expect(try scheduler.cancel(job.id).status == .cancelled)
    }

    @Test func aFailureTheStoreCannotRecordIsOneStatusEverywhere() throws {
        let job = try create(epochs: 10_000)
        try waitFor(job.id, "running") { $0.status == .running }
        store.fail("recordEpoch", once: false)
        store.fail("setStatus", once: false)
        let failed = try waitFor(job.id, "failed") { $0.status == .failed }
        #expect(failed.error?.contains("injected failure of recordEpoch") == true, "\(failed.error ?? "no error")")
        #expect(answering())
        let all = try store.real.jobs()
        #expect(scheduler.effective(all, status: .running).isEmpty)
        #expect(scheduler.effective(all, status: .failed).map(\.id) == [job.id])
        #expect(try scheduler.cancel(job.id).status == .failed, "cancel leaves a failed job failed, with its error")
        #expect(try scheduler.cancel(job.id).error == failed.error)
        store.heal()
        try scheduler.delete(job.id)
        #expect(try store.real.job(id: job.id) == nil)
    }

    /// Each store call the API makes, failing once in a create → train → list → cancel →
    /// delete round: only the call that met the failure fails; a retry succeeds.
    @Test(arguments: ["insert", "jobByKey", "job", "jobs", "setStatus", "setStepsPerEpoch", "recordEpoch", "delete", "epochs"])
    func everyOperationFailingOnceFailsOnlyTheCallThatMetIt(operation: String) throws {
        store.fail(operation)
        func retried<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch is StoreFailure { return try body() }
        }
        let job = try retried { try create(epochs: 2, key: "round") }
        let done = try waitFor(job.id, "finished") { $0.status.isFinished }
        // A failure inside the run fails the job with a sentence; it never hangs it.
        #expect(done.status == .completed || done.error?.contains("injected failure") == true, "\(done.status) \(done.error ?? "")")
        _ = try retried { try store.jobs() }
        _ = try retried { try store.epochs(of: job.id) }
        #expect(try retried { try scheduler.cancel(job.id) }.status == done.status)
        try retried { try scheduler.delete(job.id) }
        #expect(try store.real.job(id: job.id) == nil)
        #expect(answering())
    }

    @Test func healthNamesAStoreThatFailsAndRecovers() {
        #expect(answering())
        store.fail("ping")
        #expect(GantryDaemon.problem(scheduler: scheduler, store: store)?.contains("job store") == true)
        #expect(answering())
    }
}
