#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes as stored (maybe compressed), delivered in chunks so a 26 MB file
/// never has to sit in memory next to its decoded contents.
protocol ByteSource {
    /// Bytes present in the source, known before reading: it bounds what a
    /// header may honestly claim.
    var byteCount: Int { get }
    /// The next chunk, or nil at the end.
    mutating func nextChunk() throws -> [UInt8]?
}

/// An array already in memory, handed over as one chunk.
struct MemoryByteSource: ByteSource {
    private var bytes: [UInt8]?
    let byteCount: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.byteCount = bytes.count
    }

    mutating func nextChunk() throws -> [UInt8]? {
        defer { bytes = nil }
        return bytes
    }
}

/// A file read with read(2) in fixed-size chunks. A class, so the descriptor
/// is closed exactly once however the reader is left.
final class FileByteSource: ByteSource {
    static let chunkSize = 256 * 1024

    let path: String
    let byteCount: Int
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IDXError(.unreadable(reason: POSIXErrorText.current()), path: path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = POSIXErrorText.current()
            close(fd)
            throw IDXError(.unreadable(reason: reason), path: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw IDXError(.unreadable(reason: "it is not a regular file"), path: path)
        }
        descriptor = fd
        byteCount = Int(info.st_size)
    }

    deinit { close(descriptor) }

    func nextChunk() throws -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        let count = try chunk.withUnsafeMutableBytes { buffer -> Int in
            while true {
                let n = read(descriptor, buffer.baseAddress, buffer.count)
                if n >= 0 { return n }
                if errno == EINTR { continue }
                throw IDXError(.unreadable(reason: POSIXErrorText.current()), path: path)
            }
        }
        guard count > 0 else { return nil }
        chunk.removeLast(chunk.count - count)
        return chunk
    }
}

/// strerror(errno) as a Swift string, read at once before anything else can change errno.
enum POSIXErrorText {
    static func current() -> String { describe(errno) }
    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
