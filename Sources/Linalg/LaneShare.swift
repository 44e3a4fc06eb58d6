extension LaneGroup {
    /// Which part of `0..<count` lane `lane` of `lanes` works on: contiguous, in lane
    /// order, each share but the last a whole number of `multiple`s and at least
    /// `minimum` long; the last takes the rest. When there are fewer such pieces than
    /// lanes, the lanes past them get an empty range at the end.
    ///
    /// Why boundaries and not an even split: OpenBLAS's kernels compute an element of a
    /// product with the same operations only where it sits at the same offset in the
    /// kernel's unrolled tiles, and tiny products take other code paths (AVX-512
    /// "small matrix" kernels that sum the whole inner dimension in one pass). Splitting
    /// a product's rows at multiples of the kernels' tiles, and never leaving a short
    /// share, keeps every element's arithmetic the same for any lane count; see
    /// `TrainingStep.rowMultiple`. For columns of our own loops, 16 floats are a 64-byte
    /// line, so lanes never write the same cache line.
    public static func share(of count: Int, lane: Int, lanes: Int, multiple: Int = 1, minimum: Int = 1) -> Range<Int> {
        precondition(lanes >= 1 && (0..<lanes).contains(lane) && multiple >= 1 && minimum >= 1 && count >= 0)
        let piece = (minimum + multiple - 1) / multiple * multiple
        // Whole multiples only: the remainder joins the last share rather than making a short one.
        let units = count / multiple
        let pieces = max(1, min(lanes, count / piece))
        guard lane < pieces else { return count..<count }
        func boundary(_ p: Int) -> Int { p == pieces ? count : units * p / pieces * multiple }
        return boundary(lane)..<boundary(lane + 1)
    }
}
