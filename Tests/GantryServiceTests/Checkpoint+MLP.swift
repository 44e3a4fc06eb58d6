@testable import GAN

extension Checkpoint {
    /// The MLP trainer a checkpoint of an MLP holds; the test fails on another model's file.
    static func decodeMLP(_ bytes: [UInt8]) throws -> (trainer: GANTrainer, kind: Kind) {
        let (trainer, kind) = try decode(bytes)
        guard let mlp = trainer.mlp else { throw CheckpointError.inconsistent("not an MLP checkpoint") }
        return (mlp, kind)
    }

    static func readMLP(from path: String) throws -> (trainer: GANTrainer, kind: Kind) {
        try decodeMLP(AtomicFile.read(path))
    }
}
