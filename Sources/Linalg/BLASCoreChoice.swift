/// Which OpenBLAS core a process should run, decided from what OpenBLAS loaded, what
/// the CPU can run and what the user asked for. A value with no side effects: the
/// executable acts on it (by starting itself again with `OPENBLAS_CORETYPE` set,
/// because OpenBLAS reads that only when it loads).
public struct BLASCoreChoice: Sendable, Equatable {
    /// The `blas_core` setting: `auto`, or a core's name.
    public enum Setting: Sendable, Equatable, CustomStringConvertible {
        case auto
        case named(String)

        /// `"auto"` or a name from `BLASCore.catalogue` (any case); nil otherwise.
        public init?(_ text: String) {
            if text.lowercased() == "auto" {
                self = .auto
            } else if let core = BLASCore.named(text) {
                self = .named(core.name)
            } else {
                return nil
            }
        }

        public var description: String {
            switch self {
            case .auto: "auto"
            case .named(let name): name
            }
        }

        public static var help: String {
            "\"auto\" or one of " + BLASCore.catalogue.map(\.name).joined(separator: ", ")
        }
    }

    public enum Action: Sendable, Equatable {
        /// Run with what is loaded.
        case keep
        /// Start again with `OPENBLAS_CORETYPE` set to this core.
        case load(String)
    }

    public var action: Action
    /// A sentence for the log, `gantry bench` and `/metrics`.
    public var reason: String

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - loaded: `openblas_get_corename()` of the library in this process.
    ///   - userCoreType: `OPENBLAS_CORETYPE` as the user set it (nil when unset or set by Gantry).
    ///   - tried: cores Gantry already asked OpenBLAS for in this start that it did not load.
    public static func decide(setting: Setting, cpu: CPUFeatures, loaded: String, userCoreType: String?,
                              tried: [String] = []) throws -> BLASCoreChoice {
        let loadedCore = BLASCore.named(loaded)
        switch setting {
        case .named(let name):
            guard let wanted = BLASCore.named(name) else { throw Refusal(description: "blas_core \(name) is not a core OpenBLAS names; use \(Setting.help)") }
            if let loadedCore, loadedCore == wanted {
                return BLASCoreChoice(action: .keep, reason: "blas_core asks for \(wanted.name)")
            }
            let missing = wanted.missing(on: cpu)
            guard missing.isEmpty else {
                throw Refusal(description: "blas_core \(wanted.name) needs \(missing.joined(separator: ", ")), which this CPU lacks; "
                              + "it can run \(BLASCore.runnable(on: cpu).map(\.name).joined(separator: ", "))")
            }
            if tried.contains(wanted.name) {
                return BLASCoreChoice(action: .keep, reason: "blas_core asks for \(wanted.name), which this OpenBLAS does not offer; it loaded \(loaded)")
            }
            return BLASCoreChoice(action: .load(wanted.name), reason: "blas_core asks for \(wanted.name)")
        case .auto:
            if let userCoreType {
                return BLASCoreChoice(action: .keep, reason: "OPENBLAS_CORETYPE=\(userCoreType) is set in the environment")
            }
            let runnable = BLASCore.runnable(on: cpu)
            guard let best = runnable.first else {
                return BLASCoreChoice(action: .keep, reason: "OpenBLAS chose \(loaded); this CPU's features are unknown")
            }
            let loadedTier = loadedCore?.tier ?? 0
            if loadedTier >= best.tier {
                return BLASCoreChoice(action: .keep, reason: "OpenBLAS chose \(loaded), the best tier this CPU runs")
            }
            // The next better core OpenBLAS has not refused in this start; fall back to what it picked.
            guard let next = runnable.first(where: { $0.tier > loadedTier && !tried.contains($0.name) }) else {
                return BLASCoreChoice(action: .keep, reason: "OpenBLAS chose \(loaded) and offers nothing better of \(runnable.filter { $0.tier > loadedTier }.map(\.name).joined(separator: ", "))")
            }
            // What the loaded core leaves unused, in the CPU's own words.
            let unused = best.needs.subtracting(loadedCore?.needs ?? []).names
            return BLASCoreChoice(action: .load(next.name),
                                  reason: "OpenBLAS chose \(loaded) for a CPU with \(unused.joined(separator: ", ")); loading \(next.name)")
        }
    }
}
