/// The range a 32-bit float setting may take, its ends as written in decimal (open or
/// closed): one value for the check and for the reading of a request's number, so
/// both agree with each other and with the range the API documents.
public struct FloatInterval: Sendable, Equatable {
    public let lower: Double, lowerIncluded: Bool
    public let upper: Double, upperIncluded: Bool

    public init(_ lower: Double, included lowerIncluded: Bool, _ upper: Double, included upperIncluded: Bool) {
        (self.lower, self.lowerIncluded, self.upper, self.upperIncluded) = (lower, lowerIncluded, upper, upperIncluded)
    }

    /// Whether a value lies in the range, compared exactly, as JSON Schema compares a
    /// number with `minimum` or `exclusiveMaximum`.
    public func contains(_ value: Double) -> Bool {
        value.isFinite && (lowerIncluded ? value >= lower : value > lower) && (upperIncluded ? value <= upper : value < upper)
    }

    public func contains(_ value: Float) -> Bool { contains(Double(value)) }

    /// The float nearest `value` that is inside the range: the nearest float, unless
    /// rounding carried it past an end (0.99999999 is 1 as a float, 5e-324 is 0), then
    /// the float next to it on the inside. nil when `value` itself is outside.
    public func nearestFloat(to value: Double) -> Float? {
        guard contains(value) else { return nil }
        var float = Float(value)
        if Double(float) > upper || (!upperIncluded && Double(float) == upper) { float = float.nextDown }
        if Double(float) < lower || (!lowerIncluded && Double(float) == lower) { float = float.nextUp }
        return contains(float) ? float : nil
    }
}
