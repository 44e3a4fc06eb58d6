import Foundation
import GantryTestSupport
import Testing

/// Which OpenBLAS kernels the real binary runs, and that its lanes give the same bits on
/// every kernel set this OpenBLAS offers and this CPU runs (each forced with
/// `OPENBLAS_CORETYPE` in a child process, the only way: OpenBLAS reads it when it loads).
///
/// The expected cores come from `/proc/cpuinfo`'s flags and a table written here, not
/// from the product's own catalogue.
@Suite("OpenBLAS kernel choice and lane bits, on the real binary")
struct BLASCoreTests {
    /// The CPU's flags as the kernel reports them.
    static let flags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }()

    /// OpenBLAS 0.3.21's x86-64 cores, best tier first, with the flags each needs.
    static let cores: [(tier: Int, names: [String], needs: [String])] = [
        (8, ["Cooperlake"], ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"]),
        (7, ["SkylakeX"], ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]),
        (6, ["Haswell", "Zen"], ["avx2", "fma"]),
        (5, ["Sandybridge"], ["avx"]),
        (4, ["Nehalem"], ["sse4_2"]),
        (3, ["Penryn", "Dunnington"], ["sse4_1"]),
        (2, ["Core2", "Atom"], ["ssse3"]),
        (1, ["Prescott", "Nano"], ["pni"]),
    ]

    /// The cores of the best tier this CPU runs.
    static var bestTier: [String] { cores.first { $0.needs.allSatisfy(flags.contains) }?.names ?? [] }
    /// Every listed core this CPU runs.
    static var runnable: [String] { cores.filter { $0.needs.allSatisfy(flags.contains) }.flatMap(\.names) }

    /// Runs `gantry ARGUMENTS` with `environment` and OpenBLAS's own variables unset
    /// unless given there, and returns its exit status, standard output and standard error.
    static func gantry(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> (Int32, String, String) {
        let folder = TestPaths.temporaryDirectory("blas-core")
        defer { try? FileManager.default.removeItem(at: folder) }
        let child = try Child(label: "gantry", executable: TestPaths.gantry, arguments: arguments, environment: environment,
                              unsetting: ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"], logDirectory: folder)
        guard let exit = child.waitForExit(timeout: timeout) else {
            _ = child.killNow()
            throw ChildError("gantry \(arguments) did not exit within \(timeout) s")
        }
        guard case .exited(let status) = exit else { throw ChildError("gantry \(arguments): \(exit); \(child.stderrTail())") }
        return (status, child.stdout, child.stderr)
    }

    static func report(_ arguments: [String] = [], environment: [String: String] = [:]) throws -> [String: Any] {
        let (status, out, err) = try gantry(["cpu", "--json"] + arguments, environment: environment)
        try #require(status == 0, "gantry cpu exited \(status): \(err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "not JSON: \(out)")
    }

    /// Fails on a CPU whose best kernels this OpenBLAS has but that runs a lesser set,
    /// e.g. OpenBLAS's generic Prescott kernels on an AVX-512 Xeon it does not recognise.
    @Test func withNothingSetTheBinaryRunsTheBestTierTheCPURuns() throws {
        try #require(!Self.flags.isEmpty, "no flags line in /proc/cpuinfo")
        let r = try Self.report()
        let core = r["core"] as? String ?? ""
        #expect(Self.bestTier.contains(core),
                "loaded \(core) (\(r["reason"] ?? "")); this CPU runs \(Self.bestTier) (flags include \(Self.flags.filter { $0.hasPrefix("avx") }.sorted()))")
    }

    /// OpenBLAS's own choice below the CPU's best (here planted: Prescott loaded as if
    /// Gantry had asked for it) is replaced by a restart on the best core.
    @Test func aGenericCoreIsReplacedByTheBest() throws {
        try #require(Self.bestTier.first != "Prescott", "this CPU runs nothing better than Prescott")
        let r = try Self.report(environment: ["OPENBLAS_CORETYPE": "Prescott", "GANTRY_BLAS_CORE_TRIED": "Prescott"])
        #expect(Self.bestTier.contains(r["core"] as? String ?? ""), "\(r)")
        #expect((r["reason"] as? String ?? "").contains("OpenBLAS chose Prescott"), "\(r)")
    }

    @Test func aUsersCoreTypeWinsOverAuto() throws {
        let r = try Self.report(environment: ["OPENBLAS_CORETYPE": "Prescott"])
        #expect(r["core"] as? String == "Prescott", "\(r)")
        #expect((r["reason"] as? String ?? "").contains("OPENBLAS_CORETYPE=Prescott"), "\(r)")
    }

    @Test func blasCoreNamesACoreAndRefusesOneTheCPUCannotRun() throws {
        let r = try Self.report(["--blas-core", "Prescott"], environment: ["OPENBLAS_CORETYPE": "Sandybridge"])
        #expect(r["core"] as? String == "Prescott", "a named blas_core overrides the environment: \(r)")
        let refused = try Self.gantry(["serve", "--check-config", "--blas-core", "Skylake"])
        #expect(refused.0 != 0 && refused.2.contains("Skylake"), "an unknown core is refused: \(refused)")
        if !Self.flags.contains("amx_tile") {
            let (status, _, err) = try Self.gantry(["cpu", "--blas-core", "SapphireRapids"])
            #expect(status != 0 && err.contains("amx_tile") && err.contains("lacks"), "exit \(status): \(err)")
        }
    }

    /// For each core, every model `LaneAgreement` lists (the default, two odd shapes, the
    /// improved, the improved conditional and a conditional dcgan) trained on 1, 2 and 3
    /// lanes ends with the same bits.
    @Test func lanesGiveTheSameBitsOnEveryCore() throws {
        var checked: [String] = []
        for name in Self.runnable {
            let r = try Self.report(["--check-lanes"], environment: ["OPENBLAS_CORETYPE": name])
            guard r["core"] as? String == name else { continue }  // this OpenBLAS does not offer it
            checked.append(name)
            let lanes = r["lanes"] as? [[String: Any]] ?? []
            #expect(lanes.map { $0["model"] as? String } == ["default", "small", "narrow", "improved", "conditional", "dcgan"], "\(name): \(r)")
            for model in lanes {
                #expect(model["agrees"] as? Bool == true, "\(name), \(model["model"] ?? "?") model: lanes \(model["differing"] ?? "?") differ from one lane")
            }
        }
        #expect(checked.contains("Prescott") && checked.count >= 2, "cores checked: \(checked)")
    }
}
