import Dispatch

/// Picks how many lanes (threads) each training step is split across, by timing the
/// steps themselves.
///
/// On a 2-core VM, two lanes make this model's step about 35% faster when the second
/// core is free, and slower when the host keeps it busy (the step waits for a lane
/// that is not running). Neither fixed choice is right all the time, so each round the
/// tuner runs `probe` steps with each candidate, keeps the one with the lower median
/// step time, and trains with it until the next round. A round that confirms the
/// last choice doubles the wait before the next (up to `maxPeriod` steps, 800: a
/// core that frees up is noticed within about a second, and a wrong candidate's six
/// probes cost at most 0.4% of the round even when it runs at half speed);
/// and when the chosen count's steps turn 1.5 times slower than its probes measured
/// (the host took the second core), a new round starts at once instead of waiting.
///
/// The tuner only decides; `run` hands the count to the step, which splits itself.
public struct LaneCountTuner: Sendable {
    public let candidates: [Int]
    public let probe: Int
    public let basePeriod: Int
    public let maxPeriod: Int
    /// Steps the current choice has run, by lane count: what `gantry bench` reports.
    public private(set) var stepsByLanes: [Int: Int] = [:]
    /// Steps in the current round: probes first, then the chosen count.
    public private(set) var period: Int
    /// The lane count training uses between probes.
    public private(set) var chosen: Int
    private var stepInRound = 0
    private var timings: [[UInt64]]
    /// The chosen count's median probe time, and a moving average of its steps since.
    private var chosenProbe: Double = 0
    private var recent: Double = 0
    /// Nanoseconds on a monotonic clock; the tests pass a clock their steps advance.
    private let now: @Sendable () -> UInt64

    /// One candidate: every step runs with it. Several: the first is the initial choice
    /// until the first round of probes decides.
    public init(candidates: [Int], probe: Int = 6, basePeriod: Int = 200, maxPeriod: Int = 800,
                clock now: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.now = now
        precondition(!candidates.isEmpty && probe >= 2)
        var unique: [Int] = []
        for c in candidates where !unique.contains(c) { unique.append(c) }
        self.candidates = unique
        self.probe = probe
        self.basePeriod = max(basePeriod, probe * candidates.count * 2)
        self.maxPeriod = max(maxPeriod, self.basePeriod)
        period = self.basePeriod
        chosen = unique[0]
        // Allocated once: a round's probes only fill and sort them in place.
        timings = Array(repeating: [], count: unique.count)
        for i in timings.indices { timings[i].reserveCapacity(probe) }
    }

    /// Runs one step with the thread count this point of the round calls for, timing it if it is a probe.
    public mutating func run(_ step: (_ threads: Int) -> Void) {
        guard candidates.count > 1 else {
            stepsByLanes[chosen, default: 0] += 1
            return step(chosen)
        }
        let probing = stepInRound < probe * candidates.count
        // The first step after a switch warms the new pool up; it is run but not counted.
        let candidate = probing ? stepInRound / probe : -1
        let threads = probing ? candidates[candidate] : chosen
        let start = now()
        step(threads)
        let elapsed = now() - start
        stepsByLanes[threads, default: 0] += 1
        if probing, stepInRound % probe != 0 { timings[candidate].append(elapsed) }
        if !probing {
            recent = 0.9 * recent + 0.1 * Double(elapsed)
            // Twenty steps in, the average has forgotten the decision's conditions.
            if stepInRound >= probe * candidates.count + 20, recent > 1.5 * chosenProbe {
                stepInRound = 0
                period = basePeriod
                return
            }
        }
        stepInRound += 1
        if stepInRound == probe * candidates.count {
            for i in timings.indices { timings[i].sort() }
            let medians = timings.map { $0[$0.count / 2] }
            let best = candidates[medians.indices.min { medians[$0] < medians[$1] }!]
            period = best == chosen ? min(period * 2, maxPeriod) : basePeriod
            chosen = best
            chosenProbe = Double(medians[candidates.firstIndex(of: best)!])
            recent = chosenProbe
            for i in timings.indices { timings[i].removeAll(keepingCapacity: true) }
        }
        if stepInRound == period { stepInRound = 0 }
    }
}
