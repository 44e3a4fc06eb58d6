import Foundation

/// The thread a job's run owns from its download to its last epoch. Not a Dispatch
/// worker: a run holds its thread for hours, and Dispatch's pool is shared with every
/// connection's and request's work, which must never wait behind a training job
/// (`WorkPool` keeps the API's own threads for the same reason).
enum JobThread {
    /// Training's stack: the layers' products run on it, and a Dispatch worker's
    /// default (512 KB on Linux) is not what the run was measured with.
    static let stackBytes = 8 << 20

    static func start(named name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = stackBytes
        thread.start()
    }
}
