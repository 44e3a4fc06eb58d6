import Dispatch
import Foundation

/// Wakes long-polling requests when a job records an epoch or finishes.
///
/// A waiter is a one-shot callback: it fires once, on the first of an event for its
/// job or its deadline, and holds no thread while it waits.
public final class EpochNotifier: @unchecked Sendable {
    // @unchecked: `waiters` and `nextToken` are only touched under `lock`.
    private let lock = NSLock()
    private var waiters: [String: [Int: @Sendable (Bool) -> Void]] = [:]
    private var nextToken = 0

    public init() {}

    /// Calls `fire(true)` at the next event for `job`, or `fire(false)` after `timeout` seconds.
    /// Returns the waiter's token, for `cancel` when the caller answers without it.
    @discardableResult
    public func wait(for job: String, timeout: Double, fire: @escaping @Sendable (Bool) -> Void) -> Int {
        lock.lock()
        let token = nextToken
        nextToken += 1
        waiters[job, default: [:]][token] = fire
        lock.unlock()
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
        lock.lock()
        let fired = waiters.removeValue(forKey: job) ?? [:]
        lock.unlock()
        for callback in fired.values { callback(true) }
    }

    public var waiting: Int {
        lock.lock()
        defer { lock.unlock() }
        return waiters.values.reduce(0) { $0 + $1.count }
    }

    private func take(job: String, token: Int) -> (@Sendable (Bool) -> Void)? {
        lock.lock()
        defer { lock.unlock() }
        let callback = waiters[job]?.removeValue(forKey: token)
        if waiters[job]?.isEmpty == true { waiters[job] = nil }
        return callback
    }
}
