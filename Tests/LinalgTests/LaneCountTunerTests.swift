import Foundation
import Linalg
import Testing

/// The tuner's choices, with steps whose cost depends on the thread count they run
/// with (a free or a contended second core, 4× apart), timed on a clock the steps
/// advance: the decisions under test depend on the costs alone, not on how a loaded
/// machine schedules a sleep.
@Suite struct LaneCountTunerTests {
    /// A clock that moves only when a step says how long it took.
    final class StepClock: @unchecked Sendable {
        private let lock = NSLock()
        private var nanoseconds: UInt64 = 1_000_000

        var read: @Sendable () -> UInt64 { { [self] in lock.withLock { nanoseconds } } }
        func advance(seconds: Double) { lock.withLock { nanoseconds += UInt64(seconds * 1e9) } }
    }

    let clock = StepClock()

    func tuner(probe: Int, basePeriod: Int, maxPeriod: Int) -> LaneCountTuner {
        LaneCountTuner(candidates: [1, 2], probe: probe, basePeriod: basePeriod, maxPeriod: maxPeriod, clock: clock.read)
    }

    /// A step that takes `fast` seconds with `fastThreads` threads and 4× as long otherwise.
    func step(fastThreads: Int, fast: Double = 0.002) -> (Int) -> Void {
        { [clock] threads in clock.advance(seconds: threads == fastThreads ? fast : 4 * fast) }
    }

    @Test func autoKeepsWhicheverCountIsFasterAndFollowsAChange() {
        var tuner = tuner(probe: 4, basePeriod: 40, maxPeriod: 160)
        for _ in 0..<40 { tuner.run(step(fastThreads: 2)) }
        #expect(tuner.chosen == 2)
        let probesAfterFirstRound = tuner.stepsByLanes[1, default: 0]
        #expect(probesAfterFirstRound == 4, "one round probes each candidate 4 times: \(tuner.stepsByLanes)")
        // Conditions change: one thread is now the fast one; the next round switches.
        for _ in 0..<80 { tuner.run(step(fastThreads: 1)) }
        #expect(tuner.chosen == 1)
    }

    @Test func aConfirmedChoiceWaitsLongerBeforeProbingAgain() {
        var tuner = tuner(probe: 4, basePeriod: 40, maxPeriod: 160)
        var periods: [Int] = []
        for _ in 0..<600 {
            tuner.run(step(fastThreads: 1, fast: 0.003))
            if periods.last != tuner.period { periods.append(tuner.period) }
        }
        #expect(tuner.chosen == 1)
        #expect(periods == [40, 80, 160], "\(periods)")
        // 600 steps: rounds start at steps 0, 80, 240, 400 and 560 → 5 rounds of 4 probes at 2 threads.
        #expect(tuner.stepsByLanes[2] == 20, "\(tuner.stepsByLanes)")
    }

    /// With rounds far apart, a chosen count that turns slow is dropped within a few
    /// dozen steps, not at the next scheduled round.
    @Test func aChoiceThatTurnsSlowIsReprobedAtOnce() {
        var tuner = tuner(probe: 4, basePeriod: 5_000, maxPeriod: 5_000)
        for _ in 0..<30 { tuner.run(step(fastThreads: 2)) }
        #expect(tuner.chosen == 2)
        var switchedAfter: Int?
        for i in 1...80 {
            tuner.run(step(fastThreads: 1))
            if tuner.chosen == 1 { switchedAfter = i; break }
        }
        #expect(switchedAfter != nil, "still on 2 threads after 80 slow steps")
        #expect((switchedAfter ?? 99) <= 40, "switched after \(switchedAfter ?? -1) steps")
    }

    @Test func aFixedSettingRunsEveryStepWithItsCount() {
        var tuner = LaneCountSetting.fixed(2).tuner(cores: 4)
        var seen = Set<Int>()
        for _ in 0..<50 { tuner.run { seen.insert($0) } }
        #expect(seen == [2] && tuner.stepsByLanes == [2: 50])
    }

    @Test func countsAboveTheCoresAreCutToThem() {
        #expect(LaneCountSetting.fixed(8).tuner(cores: 2).candidates == [2])
        #expect(LaneCountSetting.auto.tuner(cores: 2).candidates == [1, 2])
        #expect(LaneCountSetting.auto.tuner(cores: 1).candidates == [1])
    }

    @Test func settingParsesAutoAndCountsOnly() throws {
        #expect(LaneCountSetting("auto") == .auto && LaneCountSetting("2") == .fixed(2))
        #expect(LaneCountSetting("0") == nil && LaneCountSetting("65") == nil && LaneCountSetting("two") == nil)
        let decoded = try JSONDecoder().decode([LaneCountSetting].self, from: Data(#"["auto", 3]"#.utf8))
        #expect(decoded == [.auto, .fixed(3)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([LaneCountSetting].self, from: Data("[0]".utf8)) }
        #expect(String(decoding: try JSONEncoder().encode([LaneCountSetting.auto, .fixed(2)]), as: UTF8.self) == #"["auto",2]"#)
    }
}
