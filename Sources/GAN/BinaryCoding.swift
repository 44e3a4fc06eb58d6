import Linalg

/// Little-endian writing and bounds-checked reading for the checkpoint format.
struct BinaryWriter {
    var bytes: [UInt8] = []

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: Float) { write(value.bitPattern) }

    mutating func write(_ string: String) {
        let utf8 = Array(string.utf8)
        write(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// u32 rows, u32 columns, then the values row-major: how both file formats store a tensor.
    mutating func write(_ matrix: Matrix) {
        write(UInt32(matrix.rows))
        write(UInt32(matrix.columns))
        write(matrix.storage)
    }

    mutating func write(_ values: [Float]) {
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for v in values { write(v.bitPattern) }
    }
}

struct BinaryReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw CheckpointError.truncated("\(what) needs \(count) bytes at offset \(offset), \(remaining) remain")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        let slice = try take(MemoryLayout<T>.size, what)
        var value: T = 0
        for (i, byte) in slice.enumerated() { value |= T(byte) << (8 * i) }
        return value
    }

    mutating func readFloat(_ what: String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    mutating func readString(_ what: String) throws -> String {
        let count = Int(try read(UInt16.self, what))
        return String(decoding: try take(count, what), as: UTF8.self)
    }

    mutating func readFloats(_ count: Int, _ what: String) throws -> [Float] {
        guard count >= 0, count <= remaining / 4 else {
            throw CheckpointError.truncated("\(what) needs \(count) floats at offset \(offset), \(remaining) bytes remain")
        }
        let slice = try take(count * 4, what)
        return slice.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
