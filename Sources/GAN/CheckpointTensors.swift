import Linalg

/// What a model gives the checkpoint: its state beyond the tensors, and its tensors
/// as an ordered list of names and matrices, the same list for writing and reading.
/// A fresh trainer of the file's configuration names and shapes what the file must
/// hold; `restore` takes the values back in that order.
protocol CheckpointTensors {
    var config: TrainingConfig { get }
    var rng: Xoshiro256StarStar { get set }
    var epochsCompleted: Int { get set }
    var generatorOptimizer: Adam { get set }
    var discriminatorOptimizer: Adam { get set }

    /// Full: both networks, both optimizers' moments, the averaged generator when kept.
    /// Generator only: the generator samples come from, under `generator.*`.
    func namedTensors(kind: Checkpoint.Kind) -> [(String, Matrix)]
    /// Takes `tensors` in `namedTensors(kind:)`'s order.
    mutating func restore(_ tensors: [Matrix], kind: Checkpoint.Kind)
}
