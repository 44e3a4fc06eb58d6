import Foundation
import GAN

/// What the scheduler knows about a job that is downloading or training, beyond
/// the store: live progress, the stop request, and the latest generator.
package final class ActiveJob: @unchecked Sendable {
    // @unchecked: every mutable field is only touched under `lock`, `finished` under `finishedCondition`.
    let id: String
    private let lock = NSLock()
    /// Held across a status write and the cancel check before it, so a cancel's write
    /// cannot land between a run's check and its write (and then be overwritten).
    let statusWrites = NSLock()
    private var cancelRequested = false
    private var shutdownRequested = false
    private var leaseLost = false
    private var step = 0
    private var steps = 0
    private var phase = JobPhase.queued
    /// How far `phase` has got, 0–1 (nil when unknown, e.g. waiting for another job's classifier).
    private var phaseFraction: Double? = 0
    private var snapshot: ModelTrainer?
    /// Set once the job's run has ended and it left the scheduler's table (guarded by `finishedCondition`).
    private var finished = false
    private let finishedCondition = NSCondition()

    init(id: String) {
        self.id = id
    }

    /// Called by the scheduler after the run ended and the job left its table.
    func markFinished() {
        finishedCondition.lock()
        finished = true
        finishedCondition.broadcast()
        finishedCondition.unlock()
    }

    /// Waits up to `seconds` for `markFinished`; true if it came.
    func waitUntilFinished(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        finishedCondition.lock()
        defer { finishedCondition.unlock() }
        while !finished, finishedCondition.wait(until: deadline) {}
        return finished
    }

    package struct Progress: Sendable {
        package var step: Int
        package var steps: Int
        package var phase: JobPhase
        package var phaseFraction: Double?
    }

    package var progress: Progress {
        lock.lock()
        defer { lock.unlock() }
        let fraction = phase == .training ? (steps > 0 ? Double(step) / Double(steps) : 0) : phaseFraction
        return Progress(step: step, steps: steps, phase: phase, phaseFraction: fraction)
    }

    var shouldStop: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelRequested || shutdownRequested || leaseLost
    }

    /// Whether another node took the job: the run must write nothing more for it.
    var hasLostLease: Bool {
        lock.lock()
        defer { lock.unlock() }
        return leaseLost
    }

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelRequested
    }

    func requestCancel() { locked { cancelRequested = true } }
    func requestShutdown() { locked { shutdownRequested = true } }
    func requestLeaseLoss() { locked { leaseLost = true } }
    func setStep(_ step: Int, of steps: Int) { locked { self.step = step; self.steps = steps } }
    func setPhase(_ phase: JobPhase, fraction: Double? = 0) { locked { self.phase = phase; phaseFraction = fraction } }
    func setPhaseFraction(_ fraction: Double) { locked { phaseFraction = fraction } }

    /// The trainer as it was at the end of the last completed epoch (a value: training
    /// goes on with its own copy), for samples and checkpoint downloads while training.
    package var latestSnapshot: ModelTrainer? {
        lock.lock()
        defer { lock.unlock() }
        return snapshot
    }

    func publish(_ trainer: ModelTrainer) { locked { snapshot = trainer; step = 0 } }

    private func locked(_ body: () -> Void) {
        lock.lock()
        body()
        lock.unlock()
    }
}
