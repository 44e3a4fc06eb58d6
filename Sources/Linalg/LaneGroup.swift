import Foundation
import Synchronization

/// Runs one piece of work on several threads at once, `lanes` of it, each told which
/// lane it is: the caller's thread is lane 0, the others are threads kept for the
/// group's lifetime.
///
/// Built for work that lasts a tenth of a millisecond and comes back thousands of
/// times a second (a share of one training step). Handing it to a dispatch queue costs
/// a thread wake-up, 10–30 µs, every time; here a waiting lane spins on an atomic for
/// a while first (`spin`) and only then sleeps on a condition, so back-to-back runs
/// cost a cache-line transfer and an idle group costs nothing.
/// Work a `LaneGroup` runs: one object, asked once per lane. A class, so handing it to
/// the lanes passes a reference: a run allocates nothing (a closure would, converted to
/// escaping for the other threads: measured 4 × 32 bytes a training step).
public protocol LaneWork: AnyObject, Sendable {
    func run(lane: Int, of lanes: Int)
}

public final class LaneGroup: @unchecked Sendable {
    // @unchecked: immutable; what the lanes share is `Shared`.
    public let lanes: Int
    let shared: Shared

    /// `lanes` lanes: `lanes - 1` threads are started here and stopped when the group goes.
    /// `spin` is how long an idle lane polls before it sleeps.
    public init(lanes: Int, spin: Duration = .microseconds(200)) {
        precondition(lanes >= 1, "a lane group needs at least one lane")
        self.lanes = lanes
        let components = spin.components
        shared = Shared(lanes: lanes, spinNanoseconds: UInt64(components.seconds) * 1_000_000_000 + UInt64(components.attoseconds / 1_000_000_000))
        for lane in 1..<lanes {
            let shared = shared
            let thread = Thread { shared.serve(lane: lane) }
            thread.name = "gantry-lane-\(lane)"
            thread.start()
        }
    }

    deinit { shared.stop() }

    /// Calls `work.run(lane:of:)` for every lane in `0..<lanes`, each on its own thread,
    /// and returns when all have returned. Runs must not overlap: one caller at a time.
    public func run(_ work: some LaneWork) {
        guard lanes > 1 else { return work.run(lane: 0, of: 1) }
        shared.run(work)
    }

    /// What the lanes' threads share. Kept apart from `LaneGroup` so the threads do not
    /// keep the group alive: when its owner lets go, `deinit` stops them.
    final class Shared: @unchecked Sendable {
        // @unchecked: atomics and conditions, plus `work`, which `run` writes before it
        // bumps `generation` and lanes read only after they see the bump.
        let lanes: Int
        let spinNanoseconds: UInt64
        /// Bumped once per run; a lane works when it sees a value it has not seen.
        let generation = Atomic<Int>(0)
        /// Lanes other than 0 that have finished the current run.
        let finished = Atomic<Int>(0)
        /// Lanes asleep on `condition` (or about to be): `run` signals only when there are some.
        let sleepers = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let condition = NSCondition()
        /// Set while lane 0 sleeps on `finishedCondition` waiting for the others.
        let callerSleeping = Atomic<Bool>(false)
        let finishedCondition = NSCondition()
        /// Written by `run` before it bumps `generation`, read by lanes after they see the bump.
        var work: (any LaneWork)?

        init(lanes: Int, spinNanoseconds: UInt64) {
            self.lanes = lanes
            self.spinNanoseconds = spinNanoseconds
        }

        func run(_ work: any LaneWork) {
            self.work = work
            finished.store(0, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
            wakeSleepers()
            work.run(lane: 0, of: lanes)
            waitForLanes()
            self.work = nil
        }

        /// Spins while the other lanes are about to finish (they run at the same time,
        /// so lane 0 waits tens of microseconds); past `spinNanoseconds` one of them
        /// is not running, and lane 0 sleeps until it is done. Sleeping matters beyond
        /// the cycles: a thread that only yields stays where it is, and after API load
        /// had put both lanes on one core they were measured staying there (1.6 s an
        /// epoch instead of 0.85); a thread that wakes is placed on an idle core.
        private func waitForLanes() {
            let start = DispatchTime.now().uptimeNanoseconds
            var polls = 0
            while finished.load(ordering: .acquiring) < lanes - 1 {
                polls += 1
                guard polls & 63 == 0, DispatchTime.now().uptimeNanoseconds - start > spinNanoseconds else { continue }
                finishedCondition.lock()
                callerSleeping.store(true, ordering: .sequentiallyConsistent)
                while finished.load(ordering: .sequentiallyConsistent) < lanes - 1 { finishedCondition.wait() }
                callerSleeping.store(false, ordering: .sequentiallyConsistent)
                finishedCondition.unlock()
            }
        }

        /// A lane's end of a run: counted, and lane 0 woken if it went to sleep.
        private func finishLane() {
            finished.wrappingAdd(1, ordering: .sequentiallyConsistent)
            // Paired with `callerSleeping` then `finished` in `waitForLanes`.
            if callerSleeping.load(ordering: .sequentiallyConsistent) {
                finishedCondition.lock()
                finishedCondition.broadcast()
                finishedCondition.unlock()
            }
        }

        func stop() {
            stopping.store(true, ordering: .sequentiallyConsistent)
            generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
            wakeSleepers()
        }

        private func wakeSleepers() {
            // Paired with `sleepers` then `generation` in `waitForWork`: one of the two sides sees the other's write.
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
        }

        func serve(lane: Int) {
            var seen = 0
            while true {
                seen = waitForWork(after: seen)
                if stopping.load(ordering: .acquiring) { return }
                guard let work else { preconditionFailure("lane \(lane) woke with no work") }
                work.run(lane: lane, of: lanes)
                finishLane()
            }
        }

        private func waitForWork(after seen: Int) -> Int {
            let start = DispatchTime.now().uptimeNanoseconds
            var polls = 0
            while true {
                let current = generation.load(ordering: .acquiring)
                if current != seen { return current }
                polls += 1
                if polls & 255 == 0, DispatchTime.now().uptimeNanoseconds - start > spinNanoseconds {
                    condition.lock()
                    sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen { condition.wait() }
                    sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                    condition.unlock()
                }
            }
        }
    }
}
