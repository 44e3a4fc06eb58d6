import Dispatch
import Foundation
import Synchronization

/// Wakes long-polling requests when a job records an epoch or finishes.
///
/// A waiter is a one-shot callback: it fires once, on the first of an event for its
/// job or its deadline, and holds no thread while it waits.
public final class EpochNotifier: Sendable {
    private struct Waiters {
        /// One-shot callbacks by job, then by token.
        var byJob: [String: [Int: @Sendable (Bool) -> Void]] = [:]
        var nextToken = 0
    }
    private let state = Mutex(Waiters())

    public init() {}

    /// Calls `fire(true)` at the next event for `job`, or `fire(false)` after `timeout` seconds.
    /// Returns the waiter's token, for `cancel` when the caller answers without it.
    @discardableResult
    public func wait(for job: String, timeout: Double, fire: @escaping @Sendable (Bool) -> Void) -> Int {
        let token = state.withLock { state in
            let token = state.nextToken
            state.nextToken += 1
            state.byJob[job, default: [:]][token] = fire
            return token
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in
            self?.take(job: job, token: token)?(false)
        }
        return token
    }

    /// Withdraws a waiter that is no longer wanted (its request was answered another
    /// way), so it neither fires nor counts as waiting until its deadline.
    public func cancel(job: String, token: Int) {
        _ = take(job: job, token: token)
    }

    /// Something happened to `job`: every waiter on it fires.
    public func notify(_ job: String) {
        let fired = state.withLock { $0.byJob.removeValue(forKey: job) } ?? [:]
        for callback in fired.values { callback(true) }
    }

    public var waiting: Int {
        state.withLock { $0.byJob.values.reduce(0) { $0 + $1.count } }
    }

    private func take(job: String, token: Int) -> (@Sendable (Bool) -> Void)? {
        state.withLock { state in
            let callback = state.byJob[job]?.removeValue(forKey: token)
            if state.byJob[job]?.isEmpty == true { state.byJob[job] = nil }
            return callback
        }
    }
}
