import Linalg

/// The classifier's file: like a checkpoint but for one MLP — magic "GANTRYCL", u32
/// version 1, f32 alpha, f64 test accuracy, u32 layer count, each layer's weight and
/// bias as (u32 rows, u32 columns, f32 values), then a CRC-32 of everything before.
/// Datasets keep one beside their files, so it is trained once per dataset.
extension Classifier {
    public static let magic: [UInt8] = Array("GANTRYCL".utf8)

    public func encoded(testAccuracy: Double) -> [UInt8] {
        var w = BinaryWriter()
        w.bytes.append(contentsOf: Self.magic)
        w.write(UInt32(1))
        w.write(alpha)
        w.write(testAccuracy.bitPattern)
        w.write(UInt32(layers.count))
        for layer in layers {
            w.write(layer.weight)
            w.write(layer.bias)
        }
        w.write(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// Reads a classifier file; refuses a truncated, corrupted or malformed one.
    public static func decode(_ bytes: [UInt8]) throws -> (classifier: Classifier, testAccuracy: Double) {
        guard bytes.count >= magic.count + 8, Array(bytes[0..<magic.count]) == magic else {
            throw CheckpointError.notACheckpoint("not a Gantry classifier file")
        }
        let body = Array(bytes[0..<(bytes.count - 4)])
        var trailer = BinaryReader(Array(bytes[(bytes.count - 4)...]))
        let stored = try trailer.read(UInt32.self, "checksum"), computed = CRC32.checksum(body)
        guard stored == computed else { throw CheckpointError.checksumMismatch(expected: stored, computed: computed) }
        var r = BinaryReader(body)
        _ = try r.take(magic.count, "magic")
        let version = try r.read(UInt32.self, "version")
        guard version == 1 else { throw CheckpointError.unsupportedVersion(version) }
        let alpha = try r.readFloat("alpha")
        let accuracy = Double(bitPattern: try r.read(UInt64.self, "accuracy"))
        let count = Int(try r.read(UInt32.self, "layer count"))
        guard (1...16).contains(count) else { throw CheckpointError.inconsistent("\(count) layers") }
        var layers: [Dense] = []
        for i in 0..<count {
            var pair: [Matrix] = []
            for part in ["weight", "bias"] {
                let rows = Int(try r.read(UInt32.self, "layer \(i) \(part) rows"))
                let columns = Int(try r.read(UInt32.self, "layer \(i) \(part) columns"))
                guard rows > 0, columns > 0, rows <= 1 << 16, columns <= 1 << 16 else {
                    throw CheckpointError.inconsistent("layer \(i) \(part) is \(rows)x\(columns)")
                }
                pair.append(Matrix(rows: rows, columns: columns, storage: try r.readFloats(rows * columns, "layer \(i) \(part)")))
            }
            guard pair[1].rows == 1, pair[1].columns == pair[0].columns,
                  i == 0 ? pair[0].rows == TrainingConfig.imagePixels : pair[0].rows == layers[i - 1].outputs else {
                throw CheckpointError.inconsistent("layer \(i)'s shapes do not chain")
            }
            layers.append(Dense(weight: pair[0], bias: pair[1]))
        }
        guard r.remaining == 0 else { throw CheckpointError.inconsistent("\(r.remaining) unexpected trailing bytes") }
        var classifier = Classifier(hidden: layers.dropLast().map(\.outputs), classes: layers.last!.outputs, alpha: alpha, seed: 1)
        classifier.layers = layers
        return (classifier, accuracy)
    }
}
