import Foundation

/// The few file-system steps of committing a download, with errors worded for a person.
enum CacheFiles {
    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CacheFileError("cannot create the folder \(path): \(error.localizedDescription)")
        }
    }

    /// Removes a file if it is there; a missing file is not an error.
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Moves a verified `.part` into place and syncs the folder, so after a
    /// crash the cache holds either no file or the whole verified one.
    static func commit(_ partPath: String, as finalPath: String) throws {
        guard rename(partPath, finalPath) == 0 else {
            throw CacheFileError("cannot rename \(partPath) to \(finalPath): \(POSIXErrorText.current())")
        }
        let folder = (finalPath as NSString).deletingLastPathComponent
        let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }
}

struct CacheFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
