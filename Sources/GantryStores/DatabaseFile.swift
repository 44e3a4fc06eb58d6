import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GantryJobs

/// Which file a path named when the store opened it (device and inode), so the store
/// can tell when the path stops naming the file it writes.
///
/// SQLite keeps its descriptor: a database unlinked or replaced under a running daemon
/// goes on taking commits into a file no one can open again, and the next start finds
/// nothing, or another database, at the path. Checking the path's identity before each
/// write costs one `stat` (about a microsecond) and turns that silent loss into a refusal.
struct DatabaseFile: Sendable, Equatable {
    let path: String
    private let device: UInt64
    private let inode: UInt64

    /// The identity of the file at `path` now; nil if there is none.
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.path = path
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }

    /// What happened to the file since `self` was taken, or nil if the path still names it.
    func change() -> DatabaseFileLost.Change? {
        guard let now = DatabaseFile(path: path) else { return .removed }
        return now == self ? nil : .replaced
    }

    /// Whether the file at `path` holds nothing: absent, or zero bytes long (`: > file`).
    static func isMissingOrEmpty(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) != 0 || status.st_size == 0
    }
}
