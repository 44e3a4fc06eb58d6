import GAN
import Testing

/// The disk estimate rests on `Checkpoint.sizeBound`: it must never be below a real
/// checkpoint's size, nor far above it, for every model shape a job can ask for.
@Suite struct CheckpointSizeTests {
    static let shapes: [(z: Int, g: Int, d: Int, ema: Float, conditional: Bool)] = [
        (8, 16, 12, 0, false), (100, 128, 128, 0, false), (64, 300, 200, 0.999, false), (32, 64, 48, 0, true), (16, 40, 24, 0.99, true),
    ]

    @Test(arguments: 0..<shapes.count)
    func boundHoldsTheEncodedSize(_ index: Int) throws {
        let shape = Self.shapes[index]
        var config = TrainingConfig()
        config.zSize = shape.z; config.gHidden = shape.g; config.dHidden = shape.d
        config.emaDecay = shape.ema; config.conditional = shape.conditional; config.batchSize = 8
        let trainer = GANTrainer(config: config)
        for kind in [Checkpoint.Kind.full, .generatorOnly] {
            let encoded = Checkpoint.encode(trainer, kind: kind).count
            let bound = Checkpoint.sizeBound(of: config, kind: kind)
            #expect(encoded <= bound, "\(shape) \(kind): \(encoded) bytes encoded, bound \(bound)")
            #expect(bound - encoded <= 4096, "\(shape) \(kind): bound \(bound) is more than 4 KiB over \(encoded)")
        }
    }
}
