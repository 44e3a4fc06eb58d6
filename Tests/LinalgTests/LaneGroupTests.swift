import Foundation
@testable import Linalg
import Testing

@Suite struct LaneGroupTests {
    /// Every lane runs once per run, each on its own thread, and a run returns only
    /// after all of them have finished.
    @Test func everyLaneRunsOncePerRunOnItsOwnThread() {
        let group = LaneGroup(lanes: 3)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
        let threads = UnsafeMutableBufferPointer<pthread_t?>.allocate(capacity: 3)
        defer { counts.deallocate(); threads.deallocate() }
        counts.initialize(repeating: 0)
        threads.initialize(repeating: nil)
        for _ in 0..<5_000 {
            group.run { lane in
                counts[lane] += 1
                threads[lane] = pthread_self()
            }
        }
        #expect(Array(counts) == [5_000, 5_000, 5_000])
        #expect(Set(threads.compactMap { $0 }).count == 3)
    }

    /// Lanes that have gone to sleep (idle longer than the spin) wake for the next run.
    @Test func sleepingLanesWakeForTheNextRun() {
        let group = LaneGroup(lanes: 2, spin: .microseconds(50))
        let done = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
        defer { done.deallocate() }
        done.initialize(repeating: 0)
        for round in 1...5 {
            Thread.sleep(forTimeInterval: 0.01)
            group.run { done[$0] += 1 }
            #expect(Array(done) == [round, round])
        }
    }

    /// Lane 0 sleeps when another lane takes longer than the spin, and wakes when it is
    /// done: delays around the spin (50 µs) hit both the spinning and the sleeping wait
    /// and the moment between them.
    @Test func theCallerWaitsOutASlowLane() {
        let group = LaneGroup(lanes: 3, spin: .microseconds(50))
        let done = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
        defer { done.deallocate() }
        done.initialize(repeating: 0)
        for round in 1...300 {
            group.run { lane in
                if lane == round % 3 { usleep(useconds_t(round % 7 * 20)) }
                done[lane] += 1
            }
            #expect(Array(done) == [round, round, round])
        }
    }

    /// A group's threads end with it: they hold the state they share with the group,
    /// so it is freed only once every one of them has returned.
    @Test func droppedGroupsStopTheirThreads() {
        weak var shared: LaneGroup.Shared?
        do {
            let group = LaneGroup(lanes: 3)
            group.run { _ in }
            shared = group.shared
        }
        for _ in 0..<200 where shared != nil { Thread.sleep(forTimeInterval: 0.005) }
        #expect(shared == nil, "the lanes' threads still hold their state a second after the group went")
    }

    @Test(arguments: [(100, 2, 1, 1), (100, 3, 1, 1), (100, 2, 24, 1), (100, 3, 24, 1), (100, 5, 24, 1), (784, 2, 16, 1),
                      (784, 3, 24, 1), (128, 2, 24, 1), (7, 3, 1, 1), (5, 8, 1, 1), (20, 3, 16, 1), (10, 3, 24, 1),
                      (100, 3, 24, 40), (60, 2, 24, 48), (200, 4, 24, 30)])
    func sharesCoverTheRangeInOrderOnBoundaries(count: Int, lanes: Int, multiple: Int, minimum: Int) {
        let shares = (0..<lanes).map { LaneGroup.share(of: count, lane: $0, lanes: lanes, multiple: multiple, minimum: minimum) }
        #expect(shares.first?.lowerBound == 0 && shares.last?.upperBound == count)
        for (a, b) in zip(shares, shares.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        for share in shares.dropLast() { #expect(share.upperBound % multiple == 0 || share.upperBound == count) }
        // No share is short, unless it is the whole range: a short product takes other kernels.
        let working = shares.filter { !$0.isEmpty }
        for share in working where share.count != count { #expect(share.count >= minimum && share.count >= multiple, "\(shares)") }
        // As even as whole multiples allow: sizes differ by at most a multiple plus the remainder.
        let sizes = working.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= multiple + count % multiple, "\(shares)")
        // Every lane works while there are whole pieces for it.
        let piece = (minimum + multiple - 1) / multiple * multiple
        #expect(working.count == max(1, min(lanes, count / piece)), "\(shares)")
    }
}
