/// One of OpenBLAS's x86-64 kernel sets ("cores"), as `OPENBLAS_CORETYPE` names it:
/// what the CPU must have to run it, and its tier (a higher tier needs and uses wider
/// vector instructions; cores of one tier are alternatives for different vendors).
public struct BLASCore: Sendable, Equatable {
    public let name: String
    public let needs: CPUFeatures
    public let tier: Int

    /// The cores Debian 12's OpenBLAS 0.3.21 offers with `DYNAMIC_ARCH`, and the newer
    /// OpenBLAS's SapphireRapids, best first. Left out: Opteron and Opteron_SSE3, whose
    /// kernels use 3DNow! (they stop with an illegal instruction on CPUs of this decade).
    public static let catalogue: [BLASCore] = [
        BLASCore(name: "SapphireRapids", needs: CPUFeatures.avx512.union([.avx2, .fma, .avx512bf16, .amxTile, .amxBF16]), tier: 9),
        BLASCore(name: "Cooperlake", needs: CPUFeatures.avx512.union([.avx2, .fma, .avx512bf16]), tier: 8),
        BLASCore(name: "SkylakeX", needs: CPUFeatures.avx512.union([.avx2, .fma]), tier: 7),
        BLASCore(name: "Haswell", needs: [.avx2, .fma], tier: 6),
        BLASCore(name: "Zen", needs: [.avx2, .fma], tier: 6),
        BLASCore(name: "Excavator", needs: [.avx2, .fma, .fma4], tier: 6),
        BLASCore(name: "Sandybridge", needs: [.avx], tier: 5),
        BLASCore(name: "Steamroller", needs: [.avx, .fma, .fma4], tier: 5),
        BLASCore(name: "Piledriver", needs: [.avx, .fma, .fma4], tier: 5),
        BLASCore(name: "Bulldozer", needs: [.avx, .fma4], tier: 5),
        BLASCore(name: "Nehalem", needs: [.sse42], tier: 4),
        BLASCore(name: "Dunnington", needs: [.sse41], tier: 3),
        BLASCore(name: "Penryn", needs: [.sse41], tier: 3),
        BLASCore(name: "Barcelona", needs: [.sse3, .sse4a], tier: 3),
        BLASCore(name: "Bobcat", needs: [.ssse3, .sse4a], tier: 3),
        BLASCore(name: "Core2", needs: [.ssse3], tier: 2),
        BLASCore(name: "Atom", needs: [.ssse3], tier: 2),
        BLASCore(name: "Nano", needs: [.sse3], tier: 1),
        BLASCore(name: "Prescott", needs: [.sse3], tier: 1),
    ]

    /// The catalogue's entry for `name`, ignoring case as OpenBLAS does.
    public static func named(_ name: String) -> BLASCore? {
        catalogue.first { $0.name.lowercased() == name.lowercased() }
    }

    /// The cores a CPU with `features` can run, best first.
    public static func runnable(on features: CPUFeatures) -> [BLASCore] {
        catalogue.filter { features.isSuperset(of: $0.needs) }
    }

    /// What a CPU lacks to run this core, by feature name.
    public func missing(on features: CPUFeatures) -> [String] {
        needs.subtracting(features).names
    }
}
