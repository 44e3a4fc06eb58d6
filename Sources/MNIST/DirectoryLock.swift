import Foundation

/// An exclusive flock(2) on a file in a folder, so two processes (the daemon
/// and `gantry download`, say) never fill one cache folder at once. Within a
/// process, `DatasetCache`'s single flight already keeps callers apart.
final class DirectoryLock {
    private let descriptor: Int32

    /// Blocks until the lock is ours.
    init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(".lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CacheFileError("cannot open the lock file \(path): \(POSIXErrorText.current())") }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let reason = POSIXErrorText.current()
            close(fd)
            throw CacheFileError("cannot lock \(path): \(reason)")
        }
        descriptor = fd
    }

    /// Closing the descriptor releases the lock, also when the process dies.
    deinit { close(descriptor) }
}
