import Foundation

/// A tiny seeded generator (SplitMix64), so a randomized test can be replayed.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of a randomized test: GANTRY_TEST_SEED when set (to replay a failure),
/// else a fresh one each run. Tests put it in every failure message.
public enum TestSeed {
    public static var value: UInt64 {
        if let text = ProcessInfo.processInfo.environment["GANTRY_TEST_SEED"], let seed = UInt64(text) { return seed }
        return UInt64.random(in: 0...UInt64(Int64.max))
    }
}
