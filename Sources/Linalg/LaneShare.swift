extension LaneGroup {
    /// Which part of `0..<count` lane `lane` of `lanes` works on: contiguous, in lane
    /// order, sizes within one `multiple` of each other.
    ///
    /// Boundaries fall on multiples of `multiple` (but the last): 16 floats are a 64-byte
    /// line, so lanes splitting a row's columns never write the same cache line.
    public static func share(of count: Int, lane: Int, lanes: Int, multiple: Int = 1) -> Range<Int> {
        precondition(lanes >= 1 && (0..<lanes).contains(lane) && multiple >= 1 && count >= 0)
        let units = (count + multiple - 1) / multiple
        func boundary(_ l: Int) -> Int { min(count, (units * l / lanes) * multiple) }
        return boundary(lane)..<(lane == lanes - 1 ? count : boundary(lane + 1))
    }
}
