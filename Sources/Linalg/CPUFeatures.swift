#if !canImport(Accelerate)
import CGantryBLAS
#endif

/// The vector instruction sets this CPU has and its operating system enables, read
/// with `cpuid` and `xgetbv`: what decides which OpenBLAS kernels can run here.
public struct CPUFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let sse3 = Self(rawValue: 1 << 0)
    public static let ssse3 = Self(rawValue: 1 << 1)
    public static let sse41 = Self(rawValue: 1 << 2)
    public static let sse42 = Self(rawValue: 1 << 3)
    public static let avx = Self(rawValue: 1 << 4)
    public static let fma = Self(rawValue: 1 << 5)
    public static let avx2 = Self(rawValue: 1 << 6)
    public static let avx512f = Self(rawValue: 1 << 7)
    public static let avx512cd = Self(rawValue: 1 << 8)
    public static let avx512bw = Self(rawValue: 1 << 9)
    public static let avx512dq = Self(rawValue: 1 << 10)
    public static let avx512vl = Self(rawValue: 1 << 11)
    public static let avx512bf16 = Self(rawValue: 1 << 12)
    public static let amxTile = Self(rawValue: 1 << 13)
    public static let amxBF16 = Self(rawValue: 1 << 14)
    /// AMD's: SSE4a (Barcelona, Bobcat) and FMA4 (Bulldozer to Excavator).
    public static let sse4a = Self(rawValue: 1 << 15)
    public static let fma4 = Self(rawValue: 1 << 16)

    /// The AVX-512 subsets OpenBLAS's SkylakeX kernels use.
    public static let avx512: Self = [.avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl]

    static let names: [(Self, String)] = [
        (.sse3, "sse3"), (.ssse3, "ssse3"), (.sse41, "sse4.1"), (.sse42, "sse4.2"), (.sse4a, "sse4a"), (.avx, "avx"),
        (.fma, "fma"), (.fma4, "fma4"), (.avx2, "avx2"), (.avx512f, "avx512f"), (.avx512cd, "avx512cd"),
        (.avx512bw, "avx512bw"), (.avx512dq, "avx512dq"), (.avx512vl, "avx512vl"), (.avx512bf16, "avx512_bf16"),
        (.amxTile, "amx_tile"), (.amxBF16, "amx_bf16"),
    ]

    /// Lower-case names as Linux's `/proc/cpuinfo` spells them, in a fixed order.
    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
}

/// This machine's CPU: its name, vendor and features.
public struct CPUDescription: Sendable, Equatable {
    public var model: String
    public var vendor: String
    public var features: CPUFeatures

    public init(model: String, vendor: String, features: CPUFeatures) {
        self.model = model
        self.vendor = vendor
        self.features = features
    }

    /// Read once from the processor.
    public static let current = CPUDescription.read()

    private static func read() -> CPUDescription {
        #if !canImport(Accelerate) && (arch(x86_64) || arch(i386))
        typealias Registers = (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32)
        let none: Registers = (0, 0, 0, 0)
        func cpuid(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> Registers {
            var r: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
            let ok = withUnsafeMutableBytes(of: &r) { raw in
                gantry_cpuid(leaf, subleaf, raw.baseAddress!.assumingMemoryBound(to: UInt32.self))
            }
            return ok == 0 ? (0, 0, 0, 0) : (r.0, r.1, r.2, r.3)
        }
        func bit(_ value: UInt32, _ n: UInt32) -> Bool { value & (1 << n) != 0 }
        func text(_ words: [UInt32]) -> String {
            let bytes = words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> ($0 * 8)) } }
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self).split(separator: " ").joined(separator: " ")
        }

        let zero = cpuid(0), one = cpuid(1), seven = zero.eax >= 7 ? cpuid(7) : none
        let sevenOne = zero.eax >= 7 && seven.eax >= 1 ? cpuid(7, 1) : none
        let extended = cpuid(0x8000_0000).eax
        let amd = extended >= 0x8000_0001 ? cpuid(0x8000_0001) : none
        // Register states the OS saves: SSE+AVX (bits 1, 2), AVX-512's three (5–7), AMX's two (17, 18).
        let xcr0: UInt64 = bit(one.ecx, 27) ? gantry_xcr0() : 0
        let avxState = xcr0 & 0x6 == 0x6, avx512State = avxState && xcr0 & 0xE0 == 0xE0
        let amxState = xcr0 & 0x60000 == 0x60000

        var f: CPUFeatures = []
        if bit(one.ecx, 0) { f.insert(.sse3) }
        if bit(one.ecx, 9) { f.insert(.ssse3) }
        if bit(one.ecx, 19) { f.insert(.sse41) }
        if bit(one.ecx, 20) { f.insert(.sse42) }
        if bit(amd.ecx, 6) { f.insert(.sse4a) }
        if avxState {
            if bit(one.ecx, 28) { f.insert(.avx) }
            if bit(one.ecx, 12) { f.insert(.fma) }
            if bit(amd.ecx, 16) { f.insert(.fma4) }
            if bit(seven.ebx, 5) { f.insert(.avx2) }
        }
        if avx512State {
            for (n, feature) in [(16, CPUFeatures.avx512f), (17, .avx512dq), (28, .avx512cd), (30, .avx512bw), (31, .avx512vl)]
            where bit(seven.ebx, UInt32(n)) { f.insert(feature) }
            if bit(sevenOne.eax, 5) { f.insert(.avx512bf16) }
        }
        if amxState {
            if bit(seven.edx, 24) { f.insert(.amxTile) }
            if bit(seven.edx, 22) { f.insert(.amxBF16) }
        }
        let vendor = text([zero.ebx, zero.edx, zero.ecx])
        let brand = extended >= 0x8000_0004
            ? text((0x8000_0002...0x8000_0004).flatMap { leaf -> [UInt32] in let r = cpuid(UInt32(leaf)); return [r.eax, r.ebx, r.ecx, r.edx] })
            : ""
        return CPUDescription(model: brand.isEmpty ? vendor : brand, vendor: vendor, features: f)
        #else
        return CPUDescription(model: "unknown", vendor: "unknown", features: [])
        #endif
    }
}
