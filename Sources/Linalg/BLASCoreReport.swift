#if !canImport(Accelerate)
import CGantryBLAS
#endif

/// What runs this process's matrix products: the CPU, the OpenBLAS core loaded and why.
/// Shown in the startup log, `gantry bench`'s header, `gantry cpu` and `/metrics`.
public struct BLASCoreReport: Sendable, Equatable {
    public var cpu: CPUDescription
    /// `openblas_get_corename()`.
    public var core: String
    /// The best core for this CPU in `BLASCore.catalogue`, whether or not this OpenBLAS has it.
    public var best: String
    public var reason: String

    public init(cpu: CPUDescription, core: String, reason: String) {
        self.cpu = cpu
        self.core = core
        self.best = BLASCore.runnable(on: cpu.features).first?.name ?? "unknown"
        self.reason = reason
    }

    /// This process's CPU and loaded core, with `reason` as the caller knows it.
    public static func current(reason: String) -> BLASCoreReport {
        BLASCoreReport(cpu: .current, core: BLASLibrary.coreName, reason: reason)
    }

    /// One line: "AMD EPYC; OpenBLAS core Cooperlake (OpenBLAS chose Cooperlake, …)".
    public var summary: String { "\(cpu.model); OpenBLAS core \(core) (\(reason))" }
}

/// The BLAS library loaded in this process.
public enum BLASLibrary {
    #if canImport(Accelerate)
    public static let coreName = "Accelerate"
    public static let configuration = "Accelerate"
    #else
    /// The kernel set OpenBLAS chose when it loaded ("Haswell", "SkylakeX", …).
    public static var coreName: String { text(of: openblas_get_corename) }

    /// OpenBLAS's build description: version, DYNAMIC_ARCH, thread model.
    public static var configuration: String { text(of: openblas_get_config) }

    private static func text(of query: () -> UnsafeMutablePointer<CChar>?) -> String {
        query().map { String(cString: $0) } ?? "unknown"
    }
    #endif
}
