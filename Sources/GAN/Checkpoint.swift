import Foundation
import Linalg

/// The versioned binary checkpoint: everything needed to resume training bit for bit.
///
/// Layout (little-endian; docs/checkpoint-format.md documents it for outside readers):
/// magic "GANTRYCK", u32 version, u32 kind (0 full, 1 generator only), the
/// `TrainingConfig` (5 × i64, 4 × f32, u64 seed), u64 completed epochs, from version 2
/// the model fields (u32 recipe, f32 d_dropout, f32 ema_decay, u32 conditional), from
/// version 3 the convolutional widths (u32 g_channels, u32 d_channels), from version 4
/// the discriminator's augmentation (u32, one bit a transform), 4 × u64 RNG state,
/// per optimizer (generator, discriminator) u64 step, f32 beta2, f32 epsilon,
/// u32 tensor count, each tensor as (u16 name length, UTF-8 name, u32 rows, u32 columns,
/// rows × columns f32), and a closing u32 CRC-32 of every byte before it. Which tensors,
/// in which order, is the model's own (`CheckpointTensors`).
/// Version 1 files (the notebook's model, before the model fields) still load.
public enum Checkpoint {
    public static let magic: [UInt8] = Array("GANTRYCK".utf8)
    /// The newest version this build writes.
    public static let version: UInt32 = 4
    static let readableVersions: ClosedRange<UInt32> = 1...4

    /// The version a model's checkpoint is written in: the lowest that holds it. An MLP
    /// has no convolutional widths, so its file stays version 2, byte for byte what
    /// releases before the convolutional model wrote and read; a dcgan without
    /// augmentation stays version 3 likewise, and one with it is version 4.
    public static func version(for config: TrainingConfig) -> UInt32 {
        guard config.model.isConvolutional else { return 2 }
        return config.dAugment.isOff ? 3 : 4
    }

    public enum Kind: UInt32, Sendable {
        /// Both networks, both Adam states, RNG: a resumable training state.
        case full = 0
        /// The generator's weights only: what a user downloads to sample elsewhere.
        case generatorOnly = 1
    }

    public static func encode(_ trainer: GANTrainer, kind: Kind = .full) -> [UInt8] { encode(state: trainer, kind: kind) }
    public static func encode(_ trainer: DCGANTrainer, kind: Kind = .full) -> [UInt8] { encode(state: trainer, kind: kind) }

    public static func encode(_ trainer: ModelTrainer, kind: Kind = .full) -> [UInt8] {
        if let mlp = trainer.mlp { return encode(state: mlp, kind: kind) }
        return encode(state: trainer.convolutional!, kind: kind)
    }

    private static func encode(state trainer: some CheckpointTensors, kind: Kind) -> [UInt8] {
        var w = BinaryWriter()
        let c = trainer.config, version = version(for: c)
        w.bytes.append(contentsOf: magic)
        w.write(version)
        w.write(kind.rawValue)
        for v in [c.epochs, c.batchSize, c.zSize, c.gHidden, c.dHidden] { w.write(Int64(v)) }
        for v in [c.alpha, c.smooth, c.learningRate, c.beta1] { w.write(v) }
        w.write(c.seed)
        w.write(UInt64(trainer.epochsCompleted))
        w.write(UInt32(ModelRecipe.allCases.firstIndex(of: c.model)!))
        w.write(c.dDropout)
        w.write(c.emaDecay)
        w.write(UInt32(c.conditional ? 1 : 0))
        if version >= 3 {
            w.write(UInt32(c.gChannels))
            w.write(UInt32(c.dChannels))
        }
        if version >= 4 { w.write(c.dAugment.bits) }
        let s = trainer.rng.state
        for v in [s.0, s.1, s.2, s.3] { w.write(v) }
        for adam in [trainer.generatorOptimizer, trainer.discriminatorOptimizer] {
            w.write(UInt64(adam.step))
            w.write(adam.beta2)
            w.write(adam.epsilon)
        }
        let tensors = trainer.namedTensors(kind: kind)
        w.write(UInt32(tensors.count))
        for (name, m) in tensors {
            w.write(name)
            w.write(m)
        }
        w.write(CRC32.checksum(w.bytes))
        return w.bytes
    }

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

    /// Reads a checkpoint, refusing anything truncated, corrupted or inconsistent.
    /// A generator-only checkpoint yields a trainer whose discriminator and optimizers are fresh.
    public static func decode(_ bytes: [UInt8]) throws -> (trainer: ModelTrainer, kind: Kind) {
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
        let (config, epochs) = try readConfig(&r, version: version)
        let state = (try r.read(UInt64.self, "rng"), try r.read(UInt64.self, "rng"), try r.read(UInt64.self, "rng"), try r.read(UInt64.self, "rng"))
        guard let rng = Xoshiro256StarStar(state: state) else { throw CheckpointError.inconsistent("the RNG state is all zero") }
        var optimizers: [OptimizerHeader] = []
        for name in ["generator", "discriminator"] {
            let step = try r.read(UInt64.self, "\(name) optimizer step")
            guard step <= UInt64(Int32.max) else { throw CheckpointError.inconsistent("\(name) optimizer step \(step) is implausible") }
            optimizers.append(OptimizerHeader(step: Int(step), beta2: try r.readFloat("beta2"), epsilon: try r.readFloat("epsilon")))
        }
        let saved = SavedState(kind: kind, rng: rng, epochsCompleted: epochs, generatorOptimizer: optimizers[0], discriminatorOptimizer: optimizers[1])
        if config.model.isConvolutional {
            return (ModelTrainer(try restore(DCGANTrainer(config: config), from: &r, saved)), kind)
        }
        return (ModelTrainer(try restore(GANTrainer(config: config), from: &r, saved)), kind)
    }

    /// The configuration and completed epochs, checked: a valid configuration, and no
    /// more epochs done than it asks for.
    private static func readConfig(_ r: inout BinaryReader, version: UInt32) throws -> (TrainingConfig, Int) {
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
        if version >= 3 {
            c.gChannels = Int(try r.read(UInt32.self, "g_channels"))
            c.dChannels = Int(try r.read(UInt32.self, "d_channels"))
        }
        if version >= 4 {
            let bits = try r.read(UInt32.self, "d_augment")
            guard let policy = AugmentPolicy(bits: bits) else { throw CheckpointError.inconsistent("d_augment \(bits) names an unknown transform") }
            c.dAugment = policy
        }
        // Version 3 added the convolutional widths, so an earlier file cannot hold a
        // convolutional model; version 4 the augmentation, which an earlier file has off.
        let expected = Self.version(for: c)
        guard version == expected || (version == 1 && expected == 2) else {
            throw CheckpointError.inconsistent("a \(c.model.rawValue) model's checkpoint is version \(expected), this file says \(version)")
        }
        do { try c.validate() } catch { throw CheckpointError.inconsistent("its configuration is invalid: \(error)") }
        guard epochs <= UInt64(c.epochs) else { throw CheckpointError.inconsistent("\(epochs) completed epochs of \(c.epochs)") }
        return (c, Int(epochs))
    }

    /// Reads the tensors into a fresh trainer of the file's configuration, which gives every
    /// expected name and shape: the file must match them exactly.
    private static func restore<T: CheckpointTensors>(_ fresh: T, from r: inout BinaryReader, _ saved: SavedState) throws -> T {
        var trainer = fresh
        let expected = trainer.namedTensors(kind: saved.kind).map { (name: $0.0, rows: $0.1.rows, columns: $0.1.columns) }
        let count = try r.read(UInt32.self, "tensor count")
        guard count == expected.count else {
            throw CheckpointError.inconsistent("it holds \(count) tensors, a \(saved.kind) checkpoint has \(expected.count)")
        }
        var loaded: [Matrix] = []
        for shape in expected {
            let name = shape.name
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
        trainer.restore(loaded, kind: saved.kind)
        if saved.kind == .full {
            saved.generatorOptimizer.apply(to: &trainer.generatorOptimizer)
            saved.discriminatorOptimizer.apply(to: &trainer.discriminatorOptimizer)
        }
        trainer.rng = saved.rng
        trainer.epochsCompleted = saved.epochsCompleted
        return trainer
    }

    /// An optimizer's scalars as the header holds them.
    struct OptimizerHeader {
        var step: Int
        var beta2: Float
        var epsilon: Float

        func apply(to adam: inout Adam) {
            adam.step = step
            adam.beta2 = beta2
            adam.epsilon = epsilon
        }
    }

    /// What the header holds beyond the configuration.
    struct SavedState {
        var kind: Kind
        var rng: Xoshiro256StarStar
        var epochsCompleted: Int
        var generatorOptimizer: OptimizerHeader
        var discriminatorOptimizer: OptimizerHeader
    }
}
