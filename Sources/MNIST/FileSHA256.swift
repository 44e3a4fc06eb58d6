import Crypto

/// SHA-256 of a file, read back from disk in chunks: what is checked is what
/// is stored, not what the network said it sent.
enum FileSHA256 {
    static func hex(ofFileAt path: String) throws -> String {
        let source = try FileByteSource(path: path)
        var hasher = SHA256()
        while let chunk = try source.nextChunk() {
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
