/// The bytes of an IDX file after any gzip layer is removed.
protocol DecodedStream {
    /// How far the stored bytes can expand: 1 for plain files, deflate's
    /// 1032:1 ceiling for gzip. `byteCount * maxExpansion` bounds what a
    /// header can honestly claim, so a lying header is caught before any
    /// allocation is sized from it.
    var maxExpansion: Int { get }
    /// Bytes in the underlying source (compressed when gzip).
    var sourceByteCount: Int { get }
    /// Whether the source was gzip; only used to word errors.
    var isCompressed: Bool { get }
    /// Appends at most `maxCount` decoded bytes to `buffer` and returns how
    /// many it appended; 0 means the end of the data.
    mutating func read(appendingTo buffer: inout [UInt8], maxCount: Int) throws -> Int
}

/// Uncompressed data, passed through chunk by chunk.
struct PlainStream: DecodedStream {
    private var source: any ByteSource
    private var pending: [UInt8]
    private var pendingOffset = 0

    init(source: any ByteSource, firstChunk: [UInt8]) {
        self.source = source
        self.pending = firstChunk
    }

    var maxExpansion: Int { 1 }
    var sourceByteCount: Int { source.byteCount }
    var isCompressed: Bool { false }

    mutating func read(appendingTo buffer: inout [UInt8], maxCount: Int) throws -> Int {
        guard maxCount > 0 else { return 0 }
        while pendingOffset == pending.count {
            guard let next = try source.nextChunk() else { return 0 }
            pending = next
            pendingOffset = 0
        }
        let count = min(maxCount, pending.count - pendingOffset)
        buffer.append(contentsOf: pending[pendingOffset..<(pendingOffset + count)])
        pendingOffset += count
        return count
    }
}

enum DecodedStreams {
    /// Opens `source`, choosing gzip or plain by the gzip magic (1F 8B) rather
    /// than the file name, so a renamed file still reads.
    static func open(_ source: any ByteSource) throws -> any DecodedStream {
        var source = source
        var first: [UInt8] = []
        // Two bytes decide the format; a source may hand them over in pieces.
        while first.count < 2, let chunk = try source.nextChunk() {
            first += chunk
        }
        if first.count >= 2 && first[0] == 0x1F && first[1] == 0x8B {
            return try GzipStream(source: source, firstChunk: first)
        }
        return PlainStream(source: source, firstChunk: first)
    }
}

extension DecodedStream {
    /// Reads until `buffer` holds `count` more bytes or the data ends; returns
    /// how many it added.
    mutating func read(appendingTo buffer: inout [UInt8], exactly count: Int) throws -> Int {
        var added = 0
        while added < count {
            let n = try read(appendingTo: &buffer, maxCount: count - added)
            if n == 0 { break }
            added += n
        }
        return added
    }
}
