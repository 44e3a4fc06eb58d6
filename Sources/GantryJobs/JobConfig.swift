import GAN

/// What a job trains: the model's hyperparameters, the dataset, how many fixed-noise
/// samples to record per epoch and how often to score the generator. Encoded flat, as
/// the API shows it.
public struct JobConfig: Sendable, Equatable, Codable {
    public var dataset = "mnist"
    public var training = TrainingConfig()
    public var samplesPerEpoch = 16
    /// When the generator is scored: `auto` (about a tenth of training time at most),
    /// or every N epochs and at the last one, 0 turning scoring off.
    public var evalEvery = EvaluationSchedule.auto
    /// Digits generated and classified per evaluation.
    public var evalSamples = 10_000

    public init() {}

    enum CodingKeys: String, CodingKey {
        case dataset, samplesPerEpoch = "samples_per_epoch", evalEvery = "eval_every", evalSamples = "eval_samples"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try c.decode(String.self, forKey: .dataset)
        samplesPerEpoch = try c.decode(Int.self, forKey: .samplesPerEpoch)
        // Jobs stored before evaluation existed get the defaults.
        evalEvery = try c.decodeIfPresent(EvaluationSchedule.self, forKey: .evalEvery) ?? evalEvery
        evalSamples = try c.decodeIfPresent(Int.self, forKey: .evalSamples) ?? evalSamples
        training = try TrainingConfig(from: decoder)
    }

    /// Epochs between scorings when an epoch is `imagesPerEpoch` images (0: never).
    public func evaluationInterval(imagesPerEpoch: Int) -> Int {
        evalEvery.interval(imagesPerEpoch: imagesPerEpoch, samples: evalSamples)
    }

    /// Whether the generator is scored after epoch `epoch`, an epoch being `imagesPerEpoch` images.
    public func evaluates(epoch: Int, imagesPerEpoch: Int) -> Bool {
        QualityReference.evaluates(epoch: epoch, every: evaluationInterval(imagesPerEpoch: imagesPerEpoch), last: training.epochs)
    }

    /// What the daemon's process holds at its peak while it trains this job on a dataset
    /// of `datasetImages` images (both splits), so `memory_budget_bytes` bounds the
    /// process, not one part of it. Each term is a part the process really holds; the
    /// factors were measured with scripts/bench-memory (peak RSS over a grid of models,
    /// docs/measurements/memory-estimate-2026-12-04.md), within 20% at every point:
    /// - the idle daemon with its quality classifier and OpenBLAS's buffers, 64 MiB;
    /// - the dataset, kept as one byte a pixel;
    /// - the parameters ×1.75: weights, gradients and moments, and the checkpoint
    ///   encoded in memory (weights and both moments) while it is written;
    /// - the activations ×2.5: the step also holds each activation's gradient, the
    ///   lanes' partial products, and evaluation generates in chunks beside it;
    /// - the convolutional model's activations ×0.9: its count already holds every kept
    ///   tensor and the unfolded columns, and not all of them are alive at once (peak RSS
    ///   of `gantry bench --model dcgan` over six widths, 2026-12-07, rose by 0.86 of the
    ///   count, docs/benchmarks-dcgan.md).
    public func estimatedBytes(datasetImages: Int) -> Int {
        let baseline = 64 << 20
        let dataset = datasetImages * TrainingConfig.imagePixels
        let activations = training.model.isConvolutional ? training.activationBytes * 9 / 10 : training.activationBytes * 5 / 2
        return baseline + dataset + training.parameterBytes * 7 / 4 + activations
    }

    public func encode(to encoder: any Encoder) throws {
        try training.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(samplesPerEpoch, forKey: .samplesPerEpoch)
        try c.encode(evalEvery, forKey: .evalEvery)
        try c.encode(evalSamples, forKey: .evalSamples)
    }
}
