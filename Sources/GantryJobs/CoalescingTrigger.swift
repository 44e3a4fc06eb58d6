import Dispatch
import Foundation
import Synchronization

/// Runs `work` on its own queue when asked, one run at a time: requests that arrive
/// during a run make one more run after it, not one each (3,000 cancels in a burst
/// make a few sweeps, not 3,000).
final class CoalescingTrigger: Sendable {
    private struct State {
        var running = false
        var requested = false
    }
    private let state = Mutex(State())
    private let queue: DispatchQueue
    private let work: @Sendable () -> Void
    private let idle = DispatchGroup()

    init(label: String, work: @escaping @Sendable () -> Void) {
        queue = DispatchQueue(label: label, qos: .utility)
        self.work = work
    }

    func request() {
        let start: Bool = state.withLock { state in
            state.requested = true
            guard !state.running else { return false }
            state.running = true
            idle.enter()
            return true
        }
        guard start else { return }
        queue.async { self.drain() }
    }

    private func drain() {
        while state.withLock({ state -> Bool in
            guard state.requested else {
                state.running = false
                return false
            }
            state.requested = false
            return true
        }) {
            work()
        }
        idle.leave()
    }

    /// Waits until no run is under way or asked for, up to `seconds`; true if so.
    func waitUntilIdle(seconds: Double) -> Bool {
        idle.wait(timeout: .now() + seconds) == .success
    }
}
