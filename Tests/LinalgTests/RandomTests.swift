import Linalg
import Testing

@Suite struct RandomTests {
    /// First outputs for seed 42, from a Python transcription of the reference C code
    /// (splitmix64 seeding, then xoshiro256**).
    @Test func matchesReferenceSequence() {
        var rng = Xoshiro256StarStar(seed: 42)
        #expect(rng.next() == 0x1578_0b2e_0c2e_c716)
        #expect(rng.next() == 0x6104_d986_6d11_3a7e)
        #expect(rng.next() == 0xae17_5332_39e4_99a1)
    }

    @Test func stateRestoresTheStream() {
        var a = Xoshiro256StarStar(seed: 1)
        for _ in 0..<10 { _ = a.next() }
        var b = Xoshiro256StarStar(state: a.state)!
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
        #expect(Xoshiro256StarStar(state: (0, 0, 0, 0)) == nil)
    }

    @Test func uniformStaysInRangeWithTheRightMoments() {
        var rng = Xoshiro256StarStar(seed: 2)
        let values = (0..<100_000).map { _ in rng.nextSymmetricUniform() }
        #expect(values.allSatisfy { $0 >= -1 && $0 < 1 })
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1.0 / 3.0) < 0.01)
    }

    @Test func normalHasUnitVariance() {
        var rng = Xoshiro256StarStar(seed: 3)
        let values = (0..<100_000).map { _ in Double(rng.nextNormal()) }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.02)
    }

    @Test func shuffleIsAnUnbiasedPermutation() {
        var rng = Xoshiro256StarStar(seed: 4)
        var firstPosition = [Int](repeating: 0, count: 5)
        for _ in 0..<50_000 {
            var values = Array(0..<5)
            rng.shuffle(&values)
            #expect(values.sorted() == Array(0..<5))
            firstPosition[values[0]] += 1
        }
        #expect(firstPosition.allSatisfy { abs($0 - 10_000) < 500 }, "\(firstPosition)")
        #expect((0..<1000).allSatisfy { _ in (0..<7).contains(rng.nextIndex(below: 7)) })
    }
}
