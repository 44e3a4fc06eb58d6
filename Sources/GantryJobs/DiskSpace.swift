#if canImport(Glibc)
import Glibc
#endif

/// The free space of the filesystem that holds the state folder, as an unprivileged
/// process may use it (`f_bavail`: the blocks root keeps back are not ours to count).
public struct DiskSpace: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Bytes free for this process; nil when the filesystem cannot be asked (the
    /// admission check then lets the job in, and a full disk is met as it always was).
    func availableBytes() -> Int? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let (bytes, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
        return overflow ? Int.max : bytes
    }
}
