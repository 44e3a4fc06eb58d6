/// Reads IDX files (the format of MNIST and its look-alikes), gzipped or plain.
///
/// Every size in a header is checked against the bytes actually present
/// before anything is allocated from it, so a lying or corrupt header gives a
/// clear `IDXError`, never a crash or a huge allocation.
public enum IDXReader {
    /// Largest decoded payload accepted: 684,000 28x28 images, ten times MNIST.
    /// It bounds the memory a gzip bomb with a plausible header can take.
    public static let defaultMaxPayloadBytes = 512 * 1024 * 1024

    public static func readImages(at path: String) throws -> IDXImages {
        try readImages(at: path, maxPayloadBytes: defaultMaxPayloadBytes)
    }

    public static func readLabels(at path: String) throws -> [UInt8] {
        try readLabels(at: path, maxPayloadBytes: defaultMaxPayloadBytes)
    }

    public static func readImages(from data: [UInt8]) throws -> IDXImages {
        try readImages(from: data, maxPayloadBytes: defaultMaxPayloadBytes)
    }

    public static func readLabels(from data: [UInt8]) throws -> [UInt8] {
        try readLabels(from: data, maxPayloadBytes: defaultMaxPayloadBytes)
    }

    public static func readImages(at path: String, maxPayloadBytes: Int) throws -> IDXImages {
        try naming(path) { try images(in: DecodedStreams.open(FileByteSource(path: path)), limit: maxPayloadBytes) }
    }

    public static func readLabels(at path: String, maxPayloadBytes: Int) throws -> [UInt8] {
        try naming(path) { try labels(in: DecodedStreams.open(FileByteSource(path: path)), limit: maxPayloadBytes) }
    }

    public static func readImages(from data: [UInt8], maxPayloadBytes: Int) throws -> IDXImages {
        try images(in: DecodedStreams.open(MemoryByteSource(data)), limit: maxPayloadBytes)
    }

    public static func readLabels(from data: [UInt8], maxPayloadBytes: Int) throws -> [UInt8] {
        try labels(in: DecodedStreams.open(MemoryByteSource(data)), limit: maxPayloadBytes)
    }

    // MARK: - Decoding

    /// MNIST's image side; the models are built for it.
    static let side = 28

    private static func images(in stream: any DecodedStream, limit: Int) throws -> IDXImages {
        var stream = stream
        let dimensions = try header(of: .images, in: &stream)
        let (count, rows, columns) = (dimensions[0], dimensions[1], dimensions[2])
        guard rows == side && columns == side else { throw IDXError(.notMNISTSize(rows: rows, columns: columns)) }
        let pixels = try payload(of: .images, items: count, itemBytes: rows * columns, in: &stream, limit: limit)
        return IDXImages(count: count, rows: rows, columns: columns, pixels: pixels)
    }

    private static func labels(in stream: any DecodedStream, limit: Int) throws -> [UInt8] {
        var stream = stream
        let count = try header(of: .labels, in: &stream)[0]
        return try payload(of: .labels, items: count, itemBytes: 1, in: &stream, limit: limit)
    }

    /// Reads and checks magic, element type and rank; returns the dimensions.
    private static func header(of kind: IDXError.Kind, in stream: inout any DecodedStream) throws -> [Int] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(kind.headerSize)
        let got = try stream.read(appendingTo: &bytes, exactly: 4)
        guard got == 4 else { throw IDXError(.shorterThanHeader(kind, byteCount: got)) }
        let magic = bigEndian(bytes, at: 0)
        guard bytes[0] == 0 && bytes[1] == 0 else { throw IDXError(.badMagic(kind, found: magic)) }
        guard bytes[2] == 0x08 else { throw IDXError(.unsupportedElementType(kind, found: bytes[2])) }
        guard Int(bytes[3]) == kind.rank else { throw IDXError(.wrongRank(kind, found: Int(bytes[3]))) }
        let rest = try stream.read(appendingTo: &bytes, exactly: 4 * kind.rank)
        guard rest == 4 * kind.rank else { throw IDXError(.shorterThanHeader(kind, byteCount: 4 + rest)) }
        return (0..<kind.rank).map { Int(bigEndian(bytes, at: 4 + 4 * $0)) }
    }

    /// Reads exactly the payload the header describes and insists the data
    /// ends there. Sizes are checked against the source before reserving.
    private static func payload(of kind: IDXError.Kind, items: Int, itemBytes: Int,
                                in stream: inout any DecodedStream, limit: Int) throws -> [UInt8] {
        // Dimensions are at most 2^32-1 each and itemBytes is 784 at most here, so this cannot overflow Int64.
        let claimed = items * itemBytes
        guard claimed <= limit else { throw IDXError(.tooLarge(kind, claimedBytes: claimed, limit: limit)) }
        let present = stream.sourceByteCount - kind.headerSize
        if stream.isCompressed {
            guard claimed <= stream.sourceByteCount * stream.maxExpansion else {
                throw IDXError(.implausibleSize(kind, claimedBytes: claimed, compressedBytes: stream.sourceByteCount))
            }
        } else if claimed > present {
            throw IDXError(.truncated(kind, claimedItems: items, claimedBytes: claimed, presentBytes: max(0, present)))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(claimed)
        let got = try stream.read(appendingTo: &bytes, exactly: claimed)
        guard got == claimed else {
            throw IDXError(.truncated(kind, claimedItems: items, claimedBytes: claimed, presentBytes: got))
        }
        var probe: [UInt8] = []
        // Reading one byte past the payload also drives zlib to the gzip trailer, whose CRC it checks.
        guard try stream.read(appendingTo: &probe, maxCount: 1) == 0 else {
            throw IDXError(.trailingData(kind, claimedItems: items))
        }
        return bytes
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Adds the file's path to errors raised while reading it.
    private static func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as IDXError where error.path == nil {
            throw IDXError(error.problem, path: path)
        }
    }
}
