#if canImport(Glibc)
import Glibc
#endif

/// Training runs ahead of request handling: a GET flood must not halve the epoch rate.
///
/// Where the process may (root, or CAP_SYS_NICE), the training thread's nice value is
/// lowered by `boost` for the length of a job; elsewhere this does nothing, and the
/// request threads' utility QoS (a higher nice value) keeps them behind training.
enum TrainingPriority {
    static let boost: Int32 = 10

    /// Returns the thread's previous nice value when it changed it.
    static func raise() -> Int32? {
        #if os(Linux)
        // On Linux, `who` 0 with PRIO_PROCESS means the calling thread alone (threads are tasks).
        let thread: id_t = 0
        errno = 0
        let previous = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread)
        guard errno == 0 else { return nil }
        guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread, previous - boost) == 0 else { return nil }
        return previous
        #else
        return nil
        #endif
    }

    static func restore(_ previous: Int32?) {
        #if os(Linux)
        guard let previous else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, previous)
        #endif
    }
}
