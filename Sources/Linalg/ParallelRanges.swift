import Dispatch

/// Splits a loop of `count` iterations into `ways` contiguous ranges run at once: for
/// the memory-bound passes between a step's products (im2col, col2im, normalisation),
/// which would otherwise run on one core while the products use all of the step's.
///
/// Callers split only where each range writes its own outputs and every output is
/// computed in the same order whatever the split, so results do not depend on `ways`.
public enum ParallelRanges {
    /// Below this many iterations the loop runs inline: waking a worker costs more.
    public static let minimumPerRange = 2

    /// How many threads the running step may use: set around a step by its trainer
    /// (scoped to it, so no other work sees it), 1 elsewhere.
    @TaskLocal public static var threads = 1

    public static func forEach(_ count: Int, ways: Int = threads, minimumPerRange: Int = minimumPerRange, _ body: (Range<Int>) -> Void) {
        let ways = max(1, min(ways, count / max(1, minimumPerRange)))
        guard ways > 1 else {
            body(0..<count)
            return
        }
        // concurrentPerform returns only once every range has run, so `body` (and the
        // buffers it writes, disjoint per range as the callers split them) outlives them.
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: ways) { part in
            body((part * count / ways)..<((part + 1) * count / ways))
        }
    }
}
