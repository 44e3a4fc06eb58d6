import Foundation
import Linalg

/// The versioned binary checkpoint: everything needed to resume training bit for bit.
///
/// Layout (little-endian; docs/checkpoint-format.md documents it for outside readers):
/// magic "GANTRYCK", u32 version, u32 kind (0 full, 1 generator only), the
/// `TrainingConfig` (5 × i64, 4 × f32, u64 seed), u64 completed epochs, from version 2
/// the model fields (u32 recipe, f32 d_dropout, f32 ema_decay, u32 conditional), 4 × u64 RNG state,
/// per optimizer (generator, discriminator) u64 step, f32 beta2, f32 epsilon,
/// u32 tensor count, each tensor as (u16 name length, UTF-8 name, u32 rows, u32 columns,
/// rows × columns f32), and a closing u32 CRC-32 of every byte before it. A full
/// checkpoint of a model with an averaged generator holds it too (`generator.average.*`);
/// a generator-only one holds the generator samples come from, under `generator.*`.
/// Version 1 files (the notebook's model, before these fields) still load.
public enum Checkpoint {
    public static let magic: [UInt8] = Array("GANTRYCK".utf8)
    public static let version: UInt32 = 2
    static let readableVersions: ClosedRange<UInt32> = 1...2

    public enum Kind: UInt32, Sendable {
        /// Both networks, both Adam states, RNG: a resumable training state.
        case full = 0
        /// The generator's weights only: what a user downloads to sample elsewhere.
        case generatorOnly = 1
    }

    public static func encode(_ trainer: GANTrainer, kind: Kind = .full) -> [UInt8] {
        var w = BinaryWriter()
        w.bytes.append(contentsOf: magic)
        w.write(version)
        w.write(kind.rawValue)
        let c = trainer.config
        for v in [c.epochs, c.batchSize, c.zSize, c.gHidden, c.dHidden] { w.write(Int64(v)) }
        for v in [c.alpha, c.smooth, c.learningRate, c.beta1] { w.write(v) }
        w.write(c.seed)
        w.write(UInt64(trainer.epochsCompleted))
        w.write(UInt32(ModelRecipe.allCases.firstIndex(of: c.model)!))
        w.write(c.dDropout)
        w.write(c.emaDecay)
        w.write(UInt32(c.conditional ? 1 : 0))
        let s = trainer.rng.state
        for v in [s.0, s.1, s.2, s.3] { w.write(v) }
        for adam in [trainer.generatorOptimizer, trainer.discriminatorOptimizer] {
            w.write(UInt64(adam.step))
            w.write(adam.beta2)
            w.write(adam.epsilon)
        }
        let tensors = namedTensors(trainer, kind: kind)
        w.write(UInt32(tensors.count))
        for (name, m) in tensors {
            w.write(name)
            w.write(m)
        }
        w.write(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// Reads a checkpoint, refusing anything truncated, corrupted or inconsistent.
    /// A generator-only checkpoint yields a trainer whose discriminator and optimizers are fresh.
    /// The completed epochs a checkpoint file's header records, read without loading
    /// (or checksumming) the tensors; nil when the file is missing or not a checkpoint.
    public static func completedEpochs(atPath path: String) -> Int? {
        // magic, version, kind, five i64 sizes, four f32, the seed, then completed epochs.
        let offset = magic.count + 4 + 4 + 5 * 8 + 4 * 4 + 8
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: offset + 8), data.count == offset + 8 else { return nil }
        let bytes = [UInt8](data)
        guard Array(bytes[0..<magic.count]) == magic else { return nil }
        var r = BinaryReader(bytes)
        guard (try? r.take(magic.count, "magic")) != nil, let version = try? r.read(UInt32.self, "version"), Self.readableVersions.contains(version),
              (try? r.take(offset - magic.count - 4, "header")) != nil, let epochs = try? r.read(UInt64.self, "completed epochs")
        else { return nil }
        return Int(epochs)
    }

    public static func decode(_ bytes: [UInt8]) throws -> (trainer: GANTrainer, kind: Kind) {
        guard bytes.count >= magic.count + 8 else {
            throw CheckpointError.notACheckpoint("the file is \(bytes.count) bytes, too short for a header")
        }
        guard Array(bytes[0..<magic.count]) == magic else {
            throw CheckpointError.notACheckpoint("the first bytes are not GANTRYCK")
        }
        var r = BinaryReader(bytes)
        _ = try r.take(magic.count, "magic")
        let version = try r.read(UInt32.self, "version")
        guard Self.readableVersions.contains(version) else { throw CheckpointError.unsupportedVersion(version) }
        guard bytes.count >= 4 else { throw CheckpointError.truncated("no checksum") }
        let body = bytes[0..<(bytes.count - 4)]
        var trailer = BinaryReader(Array(bytes[(bytes.count - 4)...]))
        let stored = try trailer.read(UInt32.self, "checksum")
        let computed = CRC32.checksum(body)
        guard stored == computed else { throw CheckpointError.checksumMismatch(expected: stored, computed: computed) }
        r = BinaryReader(Array(body))
        _ = try r.take(magic.count + 4, "header")

        let rawKind = try r.read(UInt32.self, "kind")
        guard let kind = Kind(rawValue: rawKind) else { throw CheckpointError.inconsistent("unknown checkpoint kind \(rawKind)") }
        var c = TrainingConfig()
        c.epochs = Int(try r.read(Int64.self, "epochs"))
        c.batchSize = Int(try r.read(Int64.self, "batch_size"))
        c.zSize = Int(try r.read(Int64.self, "z_size"))
        c.gHidden = Int(try r.read(Int64.self, "g_hidden"))
        c.dHidden = Int(try r.read(Int64.self, "d_hidden"))
        c.alpha = try r.readFloat("alpha")
        c.smooth = try r.readFloat("smooth")
        c.learningRate = try r.readFloat("learning_rate")
        c.beta1 = try r.readFloat("beta1")
        c.seed = try r.read(UInt64.self, "seed")
        let epochs = try r.read(UInt64.self, "completed epochs")
        if version >= 2 {
            let recipe = Int(try r.read(UInt32.self, "model"))
            guard ModelRecipe.allCases.indices.contains(recipe) else { throw CheckpointError.inconsistent("unknown model recipe \(recipe)") }
            c.model = ModelRecipe.allCases[recipe]
            c.dDropout = try r.readFloat("d_dropout")
            c.emaDecay = try r.readFloat("ema_decay")
            let conditional = try r.read(UInt32.self, "conditional")
            guard conditional <= 1 else { throw CheckpointError.inconsistent("conditional is \(conditional), not 0 or 1") }
            c.conditional = conditional == 1
        }
        do { try c.validate() } catch { throw CheckpointError.inconsistent("its configuration is invalid: \(error)") }
        guard epochs <= UInt64(c.epochs) else { throw CheckpointError.inconsistent("\(epochs) completed epochs of \(c.epochs)") }
        let state = (try r.read(UInt64.self, "rng"), try r.read(UInt64.self, "rng"), try r.read(UInt64.self, "rng"), try r.read(UInt64.self, "rng"))
        guard let rng = Xoshiro256StarStar(state: state) else { throw CheckpointError.inconsistent("the RNG state is all zero") }
        var optimizerHeaders: [(step: Int, beta2: Float, epsilon: Float)] = []
        for name in ["generator", "discriminator"] {
            let step = try r.read(UInt64.self, "\(name) optimizer step")
            guard step <= UInt64(Int32.max) else { throw CheckpointError.inconsistent("\(name) optimizer step \(step) is implausible") }
            optimizerHeaders.append((Int(step), try r.readFloat("beta2"), try r.readFloat("epsilon")))
        }

        // A fresh trainer gives every expected name and shape; the file must match it exactly.
        var trainer = GANTrainer(config: c)
        let expected = namedTensors(trainer, kind: kind).map { (name: $0.0, shape: (rows: $0.1.rows, columns: $0.1.columns)) }
        let count = try r.read(UInt32.self, "tensor count")
        guard count == expected.count else {
            throw CheckpointError.inconsistent("it holds \(count) tensors, a \(kind) checkpoint has \(expected.count)")
        }
        var loaded: [Matrix] = []
        for (name, shape) in expected {
            let fileName = try r.readString("tensor name")
            guard fileName == name else { throw CheckpointError.inconsistent("expected tensor \(name), found \(fileName)") }
            let rows = Int(try r.read(UInt32.self, "\(name) rows")), columns = Int(try r.read(UInt32.self, "\(name) columns"))
            guard rows == shape.rows, columns == shape.columns else {
                throw CheckpointError.inconsistent("\(name) is \(rows)x\(columns), the configuration needs \(shape.rows)x\(shape.columns)")
            }
            let values = try r.readFloats(rows * columns, name)
            guard values.allSatisfy(\.isFinite) else { throw CheckpointError.inconsistent("\(name) holds NaN or infinite values") }
            loaded.append(Matrix(rows: rows, columns: columns, storage: values))
        }
        guard r.remaining == 0 else { throw CheckpointError.inconsistent("\(r.remaining) unexpected bytes after the last tensor") }

        trainer.generator.hidden = Dense(weight: loaded[0], bias: loaded[1])
        trainer.generator.output = Dense(weight: loaded[2], bias: loaded[3])
        // A generator-only file holds the generator samples come from: with an average
        // on, that is the average (and the trained weights are not in the file).
        if trainer.averagedGenerator != nil { trainer.averagedGenerator = trainer.generator }
        if kind == .full {
            trainer.discriminator.hidden = Dense(weight: loaded[4], bias: loaded[5])
            trainer.discriminator.output = Dense(weight: loaded[6], bias: loaded[7])
            trainer.generatorOptimizer.firstMoments = Array(loaded[8..<12])
            trainer.generatorOptimizer.secondMoments = Array(loaded[12..<16])
            trainer.discriminatorOptimizer.firstMoments = Array(loaded[16..<20])
            trainer.discriminatorOptimizer.secondMoments = Array(loaded[20..<24])
            trainer.generatorOptimizer.step = optimizerHeaders[0].step
            trainer.generatorOptimizer.beta2 = optimizerHeaders[0].beta2
            trainer.generatorOptimizer.epsilon = optimizerHeaders[0].epsilon
            trainer.discriminatorOptimizer.step = optimizerHeaders[1].step
            trainer.discriminatorOptimizer.beta2 = optimizerHeaders[1].beta2
            trainer.discriminatorOptimizer.epsilon = optimizerHeaders[1].epsilon
            if trainer.averagedGenerator != nil {
                trainer.averagedGenerator?.hidden = Dense(weight: loaded[24], bias: loaded[25])
                trainer.averagedGenerator?.output = Dense(weight: loaded[26], bias: loaded[27])
            }
        }
        trainer.rng = rng
        trainer.epochsCompleted = Int(epochs)
        return (trainer, kind)
    }

    static func namedTensors(_ t: GANTrainer, kind: Kind) -> [(String, Matrix)] {
        let g = kind == .full ? t.generator : t.samplingGenerator, d = t.discriminator
        var list: [(String, Matrix)] = [
            ("generator.hidden.weight", g.hidden.weight), ("generator.hidden.bias", g.hidden.bias),
            ("generator.output.weight", g.output.weight), ("generator.output.bias", g.output.bias),
        ]
        guard kind == .full else { return list }
        list += [
            ("discriminator.hidden.weight", d.hidden.weight), ("discriminator.hidden.bias", d.hidden.bias),
            ("discriminator.output.weight", d.output.weight), ("discriminator.output.bias", d.output.bias),
        ]
        for (net, adam) in [("generator", t.generatorOptimizer), ("discriminator", t.discriminatorOptimizer)] {
            for (i, m) in adam.firstMoments.enumerated() { list.append(("adam.\(net).m.\(i)", m)) }
            for (i, v) in adam.secondMoments.enumerated() { list.append(("adam.\(net).v.\(i)", v)) }
        }
        if let average = t.averagedGenerator {
            list += [
                ("generator.average.hidden.weight", average.hidden.weight), ("generator.average.hidden.bias", average.hidden.bias),
                ("generator.average.output.weight", average.output.weight), ("generator.average.output.bias", average.output.bias),
            ]
        }
        return list
    }
}
