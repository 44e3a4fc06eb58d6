import Foundation

/// xoshiro256** (Blackman & Vigna, 2018): the project's one source of randomness.
///
/// Seeded through splitmix64 as its authors recommend, and its whole state is four
/// words, so a checkpoint can store it and a resumed run draws the same numbers.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Equatable {
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitmix = seed
        func next() -> UInt64 {
            splitmix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitmix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    /// Restores a state saved from `state`. All-zero is the one state xoshiro cannot leave.
    public init?(state: (UInt64, UInt64, UInt64, UInt64)) {
        guard state != (0, 0, 0, 0) else { return nil }
        self.state = state
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.state == rhs.state }

    @inlinable
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotl(state.3, 45)
        return result
    }

    /// Uniform in [-1, 1): the top 24 bits, so every value is exactly representable.
    public mutating func nextSymmetricUniform() -> Float {
        Float(next() >> 40) * (2.0 / 16_777_216.0) - 1
    }

    /// Uniform in [0, 1) with 53 bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal by Box–Muller (one of the pair; simplicity over speed, it is off the hot path).
    public mutating func nextNormal() -> Float {
        let u1 = 1 - nextUnitDouble() // (0, 1]: log never sees 0
        let u2 = nextUnitDouble()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Uniform integer in 0..<bound without modulo bias (Lemire's method).
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// Fills `buffer` with uniform values in [-1, 1): two per 64-bit draw (its top and
    /// next 24 bits), half the generator calls of `nextSymmetricUniform()` each.
    public mutating func fillSymmetricUniform(_ buffer: UnsafeMutableBufferPointer<Float>) {
        let scale: Float = 2.0 / 16_777_216.0
        var i = 0
        while i + 1 < buffer.count {
            let bits = next()
            buffer[i] = Float(bits >> 40) * scale - 1
            buffer[i + 1] = Float((bits >> 16) & 0xFF_FFFF) * scale - 1
            i += 2
        }
        if i < buffer.count { buffer[i] = nextSymmetricUniform() }
    }

    /// Fisher–Yates, walking down from the end.
    public mutating func shuffle(_ values: inout [Int]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, nextIndex(below: i + 1))
        }
    }
}
