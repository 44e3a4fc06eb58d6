import Linalg

/// A closure as lane work, for tests: the trainer hands its lanes one object it keeps,
/// so that a run allocates nothing; a test does not mind a closure box a run.
final class LaneClosure: LaneWork, @unchecked Sendable {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
    func run(lane: Int, of lanes: Int) { body(lane) }
}

extension LaneGroup {
    func run(_ body: @escaping (_ lane: Int) -> Void) { run(LaneClosure(body)) }
}
