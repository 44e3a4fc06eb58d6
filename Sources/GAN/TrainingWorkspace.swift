import Linalg

/// Every buffer a training step reads or writes, sized once for the batch: one
/// allocation, carved into blocks whose starts fall on 64-byte lines, so lanes writing
/// neighbouring buffers never share a cache line.
///
/// Not part of a checkpoint: nothing in it outlives a step.
struct TrainingWorkspace: Sendable {
    /// Which buffer, in the order they are laid out.
    enum Buffer: Int, CaseIterable {
        case noise
        case generatorHiddenPre, generatorHidden, generatorOutputPre
        /// Real batch in the first `batch` rows, G(z) in the next `batch`: the generator writes its images here
        /// (a conditional model's label one-hots follow each image).
        case discriminatorInput
        case bothHiddenPre, bothHidden, bothLogits, bothLogitGradient, bothHiddenGradient
        case fakeHiddenPre, fakeHidden, fakeLogits, fakeLogitGradient, fakeHiddenGradient
        case imageGradient, generatorHiddenGradient
        /// Per-row loss and sigmoid: the discriminator's 2·batch rows, then the generator's batch.
        case rowLosses, rowSigmoids
    }

    private var arena: [Float]
    private let shapes: [(rows: Int, columns: Int)]
    private let offsets: [Int]
    var order: [Int] = []
    /// The digits a conditional step asks G for, one per batch row (unused otherwise).
    var fakeLabels: [Int]

    init(config: TrainingConfig) {
        let b = config.batchSize, p = TrainingConfig.imagePixels, z = config.generatorInputs, g = config.gHidden, d = config.dHidden
        shapes = Buffer.allCases.map { buffer -> (Int, Int) in
            switch buffer {
            case .noise: (b, z)
            case .generatorHiddenPre, .generatorHidden, .generatorHiddenGradient: (b, g)
            case .generatorOutputPre, .imageGradient: (b, p)
            case .discriminatorInput: (2 * b, config.discriminatorInputs)
            case .bothHiddenPre, .bothHidden, .bothHiddenGradient: (2 * b, d)
            case .bothLogits, .bothLogitGradient: (2 * b, 1)
            case .fakeHiddenPre, .fakeHidden, .fakeHiddenGradient: (b, d)
            case .fakeLogits, .fakeLogitGradient: (b, 1)
            case .rowLosses, .rowSigmoids: (3 * b, 1)
            }
        }
        var offsets: [Int] = [], end = 0
        for shape in shapes {
            offsets.append(end)
            end += (shape.rows * shape.columns + 15) / 16 * 16
        }
        self.offsets = offsets
        fakeLabels = [Int](repeating: 0, count: config.conditional ? b : 0)
        arena = [Float](repeating: 0, count: end + 16)
    }

    /// Every buffer as a block, for the duration of `body`.
    mutating func withBlocks<R>(_ body: (Blocks) throws -> R) rethrows -> R {
        let shapes = shapes, offsets = offsets
        return try arena.withUnsafeMutableBufferPointer { buffer in
            // Align the first block to a cache line; the rest follow at multiples of 64 bytes.
            let raw = UInt(bitPattern: buffer.baseAddress!)
            let base = buffer.baseAddress! + Int((64 - raw % 64) % 64) / MemoryLayout<Float>.stride
            return try body(Blocks(base: base, shapes: shapes, offsets: offsets))
        }
    }

    struct Blocks: @unchecked Sendable {
        // @unchecked: a pointer into the workspace's pinned buffer, which outlives every
        // step; lanes write disjoint rows of it (see `TrainingStep`).
        let base: UnsafeMutablePointer<Float>
        let shapes: [(rows: Int, columns: Int)]
        let offsets: [Int]

        subscript(_ buffer: Buffer) -> MatrixBlock {
            let shape = shapes[buffer.rawValue]
            return MatrixBlock(base: base + offsets[buffer.rawValue], rows: shape.rows, columns: shape.columns, stride: max(shape.columns, 1))
        }
    }
}
