import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The state folder refused a change for lack of permission: mounted read-only, made
/// immutable, or owned by someone else. Nothing the request did is wrong and nothing
/// was changed; the operator can fix it, so the API answers 503 saying so.
public struct StateFolderUnwritable: Error, CustomStringConvertible {
    public let description: String

    /// `error` as a `StateFolderUnwritable` when it is EROFS, EACCES or EPERM (as a
    /// Foundation file error or a POSIX one), otherwise `error` itself.
    public static func classify(_ error: any Error, doing what: String) -> any Error {
        let refusals: Set<Int32> = [EROFS, EACCES, EPERM]
        let nsError = error as NSError
        let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError
        let codes = [nsError, underlying].compactMap { $0 }.filter { $0.domain == NSPOSIXErrorDomain }.map { Int32($0.code) }
        let cocoa = (error as? CocoaError)?.code
        guard codes.contains(where: refusals.contains)
              || cocoa == .fileWriteNoPermission || cocoa == .fileWriteVolumeReadOnly else { return error }
        return StateFolderUnwritable(description: "cannot \(what): \(error)")
    }
}
