import Foundation
import Testing

/// A binary PGM (P5) as the daemon serves it.
struct PGM {
    var width: Int
    var height: Int
    var maxValue: Int
    var headerLength: Int
    var pixels: ArraySlice<UInt8>

    /// Parses `P5 <w> <h> <maxval>` (whitespace-separated, comments allowed) and
    /// checks that exactly width × height pixel bytes follow.
    init(_ bytes: [UInt8]) throws {
        var i = 0
        func skipSpaceAndComments() {
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "#") {
                    while i < bytes.count && bytes[i] != 10 { i += 1 }
                } else if [9, 10, 13, 32].contains(bytes[i]) {
                    i += 1
                } else { return }
            }
        }
        func token() throws -> String {
            skipSpaceAndComments()
            let start = i
            while i < bytes.count && ![9, 10, 13, 32].contains(bytes[i]) { i += 1 }
            guard i > start else { throw HTTPClientError("PGM header ends early") }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }
        guard try token() == "P5" else { throw HTTPClientError("not a P5 PGM: \(String(decoding: bytes.prefix(16), as: UTF8.self))") }
        guard let w = Int(try token()), let h = Int(try token()), let m = Int(try token()) else {
            throw HTTPClientError("PGM header is not numeric")
        }
        i += 1 // the single whitespace byte before the raster
        width = w
        height = h
        maxValue = m
        headerLength = i
        guard bytes.count == i + w * h else {
            throw HTTPClientError("PGM \(w)x\(h) needs \(i + w * h) bytes, got \(bytes.count)")
        }
        pixels = bytes[i...]
    }

    /// Width or height of a grid of `cells` 28-pixel tiles with `pad` pixels between them.
    static func side(cells: Int, pad: Int, tile: Int = 28) -> Int { cells * tile + (cells - 1) * pad }
}

/// The tensors of a `GANTRYCK` checkpoint, read by the documented layout
/// (docs/checkpoint-format.md): magic, u32 version, u32 kind, 5 × i64 + 4 × f32 + u64 of
/// config, u64 epochs, the model fields (version 2 on), widths (version 3 on) and D's augmentation
/// (version 4), 4 × u64 RNG, 2 × (u64 step, f32, f32), u32 tensor count,
/// tensors (u16 name length, name, u32 rows, u32 columns, f32s), u32 CRC-32.
struct CheckpointFile {
    var version: UInt32
    var kind: UInt32
    var epochs: UInt64
    /// The RNG state and both optimizers' step counts and constants, as stored.
    var trainingState: [UInt8]
    var tensors: [(name: String, rows: Int, columns: Int, bytes: ArraySlice<UInt8>)]

    init(_ bytes: [UInt8]) throws {
        var offset = 0
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, offset + n <= bytes.count else { throw HTTPClientError("checkpoint truncated at \(offset) (+\(n)) of \(bytes.count)") }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }
        func u(_ n: Int) throws -> UInt64 {
            var v: UInt64 = 0
            for (i, b) in try take(n).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
            return v
        }
        guard Array(try take(8)) == Array("GANTRYCK".utf8) else { throw HTTPClientError("checkpoint does not start with GANTRYCK") }
        version = UInt32(try u(4))
        kind = UInt32(try u(4))
        _ = try take(5 * 8 + 4 * 4 + 8)
        epochs = try u(8)
        // Version 2 on: the model recipe, d_dropout, ema_decay and the conditional flag.
        if version >= 2 { _ = try take(4 + 4 + 4 + 4) }
        // Version 3 on: the convolutional widths, g_channels and d_channels.
        if version >= 3 { _ = try take(4 + 4) }
        // Version 4: the discriminator's augmentation, a u32 of transform bits.
        if version >= 4 { _ = try take(4) }
        trainingState = Array(try take(4 * 8 + 2 * (8 + 4 + 4)))
        let count = Int(try u(4))
        tensors = []
        for _ in 0..<count {
            let nameLength = Int(try u(2))
            let name = String(decoding: try take(nameLength), as: UTF8.self)
            let rows = Int(try u(4)), columns = Int(try u(4))
            tensors.append((name, rows, columns, try take(rows * columns * 4)))
        }
        _ = try take(4)
        guard offset == bytes.count else { throw HTTPClientError("checkpoint has \(bytes.count - offset) bytes after the checksum") }
    }

    /// The generator's tensors: name → raw little-endian float bytes.
    var generator: [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for t in tensors where t.name.hasPrefix("generator.") { out[t.name] = Array(t.bytes) }
        return out
    }
}

/// Numbers out of JSON, whichever way the decoder boxed them.
func number(_ value: Any?) -> Double? {
    if let d = value as? Double { return d }
    if let i = value as? Int { return Double(i) }
    if let n = value as? NSNumber { return n.doubleValue }
    return nil
}

extension CheckpointFile {
    /// Expects `self` to hold `epochs` epochs and the very generator of `reference`,
    /// tensor by tensor and byte for byte (a resumed run against an uninterrupted one).
    func expectSameGenerator(as reference: CheckpointFile, epochs: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.epochs == epochs && reference.epochs == epochs, sourceLocation: sourceLocation)
        #expect(!generator.isEmpty, sourceLocation: sourceLocation)
        #expect(generator.keys.sorted() == reference.generator.keys.sorted(), sourceLocation: sourceLocation)
        for (name, bytes) in reference.generator {
            #expect(generator[name] == bytes, "\(name) differs from the uninterrupted run's", sourceLocation: sourceLocation)
        }
    }
}
