import GAN

/// What a job trains: the model's hyperparameters, the dataset and how many fixed-noise
/// samples to record per epoch. Encoded flat, as the API shows it.
public struct JobConfig: Sendable, Equatable, Codable {
    public var dataset = "mnist"
    public var training = TrainingConfig()
    public var samplesPerEpoch = 16

    public init() {}

    enum CodingKeys: String, CodingKey {
        case dataset, samplesPerEpoch = "samples_per_epoch"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try c.decode(String.self, forKey: .dataset)
        samplesPerEpoch = try c.decode(Int.self, forKey: .samplesPerEpoch)
        training = try TrainingConfig(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try training.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(samplesPerEpoch, forKey: .samplesPerEpoch)
    }
}
