import Linalg
import Testing

/// The decision alone, for CPUs this machine is not: which core to load and why.
@Suite struct BLASCoreChoiceTests {
    static let sapphireRapids: CPUFeatures = CPUFeatures.avx512.union([.sse3, .ssse3, .sse41, .sse42, .avx, .fma, .avx2, .avx512bf16, .amxTile, .amxBF16])
    static let zen3: CPUFeatures = [.sse3, .ssse3, .sse41, .sse42, .sse4a, .avx, .fma, .avx2]

    @Test func aGenericCoreOnAnAVX512XeonIsReplacedByTheBestThisOpenBLASOffers() throws {
        let first = try BLASCoreChoice.decide(setting: .auto, cpu: Self.sapphireRapids, loaded: "Prescott", userCoreType: nil)
        #expect(first.action == .load("SapphireRapids"))
        #expect(first.reason.contains("OpenBLAS chose Prescott") && first.reason.contains("amx_tile"), "\(first.reason)")
        // 0.3.21 has no SapphireRapids: asked for it, it fell back to its own pick again.
        let second = try BLASCoreChoice.decide(setting: .auto, cpu: Self.sapphireRapids, loaded: "Prescott", userCoreType: nil,
                                               tried: ["SapphireRapids"])
        #expect(second.action == .load("Cooperlake"))
        let third = try BLASCoreChoice.decide(setting: .auto, cpu: Self.sapphireRapids, loaded: "Cooperlake", userCoreType: nil,
                                              tried: ["SapphireRapids", "Cooperlake"])
        #expect(third.action == .keep)
    }

    @Test func aCoreOfTheBestTierIsKeptEvenIfNotTheFirstOfIt() throws {
        let zen = try BLASCoreChoice.decide(setting: .auto, cpu: Self.zen3, loaded: "Zen", userCoreType: nil)
        #expect(zen.action == .keep && zen.reason.contains("best tier"), "\(zen)")
        let sandy = try BLASCoreChoice.decide(setting: .auto, cpu: Self.zen3, loaded: "Sandybridge", userCoreType: nil)
        #expect(sandy.action == .load("Haswell"))
    }

    @Test func whenNothingBetterLoadsTheLoadedCoreStays() throws {
        let all = BLASCore.runnable(on: Self.zen3).filter { $0.tier > 1 }.map(\.name)
        let choice = try BLASCoreChoice.decide(setting: .auto, cpu: Self.zen3, loaded: "Prescott", userCoreType: nil, tried: all)
        #expect(choice.action == .keep && choice.reason.contains("offers nothing better"), "\(choice)")
    }

    @Test func theUsersCoreTypeWinsOverAutoButNotOverANamedCore() throws {
        let auto = try BLASCoreChoice.decide(setting: .auto, cpu: Self.zen3, loaded: "Prescott", userCoreType: "Prescott")
        #expect(auto.action == .keep && auto.reason.contains("OPENBLAS_CORETYPE=Prescott"))
        let named = try BLASCoreChoice.decide(setting: .named("Haswell"), cpu: Self.zen3, loaded: "Prescott", userCoreType: "Prescott")
        #expect(named.action == .load("Haswell"))
        let kept = try BLASCoreChoice.decide(setting: .named("Haswell"), cpu: Self.zen3, loaded: "Haswell", userCoreType: nil)
        #expect(kept.action == .keep)
    }

    @Test func aNamedCoreTheCPUCannotRunIsRefused() {
        #expect(throws: BLASCoreChoice.Refusal.self) {
            try BLASCoreChoice.decide(setting: .named("SkylakeX"), cpu: Self.zen3, loaded: "Zen", userCoreType: nil)
        }
        #expect(BLASCoreChoice.Setting("skylakex") == .named("SkylakeX"))
        #expect(BLASCoreChoice.Setting("AUTO") == .auto)
        #expect(BLASCoreChoice.Setting("Opteron") == nil)
    }
}
