import Foundation

/// Writes a file so that a reader, or a restart after `kill -9` or power loss, sees
/// either the old contents or the new, never a mix: temp file, fsync, rename, fsync dir.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CheckpointError.file(action: "cannot create", path: temporary, reason: errnoText()) }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            var written = 0
            try bytes.withUnsafeBytes { raw in
                while written < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw CheckpointError.file(action: "cannot write", path: path, reason: errnoText())
                    }
                    written += n
                }
            }
            guard fsync(fd) == 0 else { throw CheckpointError.file(action: "cannot sync", path: path, reason: errnoText()) }
        }
        guard rename(temporary, path) == 0 else { throw CheckpointError.file(action: "cannot rename into", path: path, reason: errnoText()) }
        ok = true
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    public static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.file(action: "cannot read", path: path, reason: errnoText())
        }
        return [UInt8](data)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

extension Checkpoint {
    public static func write(_ trainer: ModelTrainer, to path: String, kind: Kind = .full) throws {
        try AtomicFile.write(encode(trainer, kind: kind), to: path)
    }

    public static func read(from path: String) throws -> (trainer: ModelTrainer, kind: Kind) {
        try decode(AtomicFile.read(path))
    }
}
