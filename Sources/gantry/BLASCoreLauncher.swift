import Foundation
import Linalg

/// Puts this process on the OpenBLAS core `BLASCoreChoice` picks. OpenBLAS reads
/// `OPENBLAS_CORETYPE` once, when it loads, so a different core means starting the same
/// program again (`execv` keeps the process id, so systemd and a supervising shell see
/// one process). Called at the start of every command, before any thread exists.
enum BLASCoreLauncher {
    /// The cores this start has already asked OpenBLAS for (comma-separated): set only
    /// by Gantry, so it also tells Gantry's own `OPENBLAS_CORETYPE` from a user's.
    static let triedVariable = "GANTRY_BLAS_CORE_TRIED"
    static let reasonVariable = "GANTRY_BLAS_CORE_REASON"

    /// Returns what runs the products, or does not return (the program starts again).
    static func select(_ setting: BLASCoreChoice.Setting) throws -> BLASCoreReport {
        let environment = ProcessInfo.processInfo.environment
        let tried = (environment[triedVariable] ?? "").split(separator: ",").map(String.init)
        let userCoreType = tried.isEmpty ? environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 } : nil
        let loaded = BLASLibrary.coreName
        let choice: BLASCoreChoice
        do {
            choice = try BLASCoreChoice.decide(setting: setting, cpu: CPUDescription.current.features, loaded: loaded,
                                               userCoreType: userCoreType, tried: tried)
        } catch {
            throw CommandFailure("blas_core: \(error)")
        }
        switch choice.action {
        case .keep:
            // After a restart, the reason is the one that asked for it; when OpenBLAS did not
            // load what was asked, what it loaded instead follows (the whole story, in order).
            let gotWhatItAskedFor = tried.last?.lowercased() == loaded.lowercased()
            let reason = environment[reasonVariable].map { gotWhatItAskedFor ? $0 : "\($0); then \(choice.reason)" } ?? choice.reason
            unsetenv(triedVariable)
            unsetenv(reasonVariable)
            return BLASCoreReport.current(reason: reason)
        case .load(let core):
            setenv("OPENBLAS_CORETYPE", core, 1)
            setenv(triedVariable, (tried + [core]).joined(separator: ","), 1)
            setenv(reasonVariable, choice.reason, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // Only on failure: stay on what is loaded.
            let failure = String(cString: strerror(errno))
            unsetenv(triedVariable)
            unsetenv(reasonVariable)
            return BLASCoreReport.current(reason: "\(choice.reason), but restarting failed (\(failure)); kept \(loaded)")
        }
    }
}
