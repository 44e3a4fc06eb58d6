import Linalg

/// A trainer's lane groups, by lane count, and the work object it hands them: what a
/// multi-lane step runs on. A class so the threads live as long as the trainer and
/// are stopped when it goes (`LaneGroup.deinit`).
final class StepThreads: @unchecked Sendable {
    // @unchecked: only the trainer that holds the sole reference touches it (`runStep`
    // checks `isKnownUniquelyReferenced` first), and one step runs at a time.
    private var groups: [LaneGroup] = []
    let phases = TrainingPhases()

    /// The group for `lanes` threads, started the first time that count is asked for.
    func group(_ lanes: Int) -> LaneGroup {
        precondition(lanes >= 1, "a step needs at least one lane")
        if let group = groups.first(where: { $0.lanes == lanes }) { return group }
        let group = LaneGroup(lanes: lanes)
        groups.append(group)
        return group
    }
}
