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

    /// Training's estimate plus evaluation's: the kept features and class probabilities
    /// of every sample, and one 1,000-image chunk's activations.
    public var estimatedBytes: Int {
        guard !evalEvery.isOff else { return training.estimatedTrainingBytes }
        return training.estimatedTrainingBytes + 4 * (evalSamples * (128 + 10) + 1_000 * (784 + 2 * (256 + 128 + 10) + training.gHidden))
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
