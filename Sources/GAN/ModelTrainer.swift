import Linalg

/// The trainer of whichever model a job's recipe names: the MLPs (`notebook`,
/// `improved`) or the convolutional GAN (`dcgan`). The service, the command line and
/// checkpoints hold this, so a new model is one more case here, not a change there.
public struct ModelTrainer: Sendable {
    // Exactly one is set. Two optionals rather than an enum with payloads: a mutating
    // call through `mlp?.` changes the trainer in place, where taking an enum's payload
    // out to mutate it would copy every matrix it shares with the enum.
    public private(set) var mlp: GANTrainer?
    public private(set) var convolutional: DCGANTrainer?

    public init(_ trainer: GANTrainer) { mlp = trainer }
    public init(_ trainer: DCGANTrainer) { convolutional = trainer }

    /// A fresh model of `config.model`'s kind, initialised from `config.seed`.
    public init(config: TrainingConfig) {
        if config.model.isConvolutional { convolutional = DCGANTrainer(config: config) } else { mlp = GANTrainer(config: config) }
    }

    public var config: TrainingConfig { mlp?.config ?? convolutional!.config }
    public var epochsCompleted: Int { mlp?.epochsCompleted ?? convolutional!.epochsCompleted }
    /// The generator samples and scores come from (the averaged one when it is on).
    public var samplingGenerator: any ImageGenerator { mlp?.samplingGenerator ?? convolutional!.samplingGenerator }
    public var flopsPerStep: Int { mlp?.flopsPerStep ?? convolutional!.flopsPerStep }
    public func stepsPerEpoch(imageCount count: Int) -> Int { count / config.batchSize }

    /// A copy to read from while this one goes on training (`GANTrainer.snapshot()`).
    public func snapshot() -> ModelTrainer {
        if let mlp { return ModelTrainer(mlp.snapshot()) }
        return self
    }

    public mutating func extend(toEpochs epochs: Int) {
        mlp?.extend(toEpochs: epochs)
        convolutional?.extend(toEpochs: epochs)
    }

    /// One epoch, as `GANTrainer.trainEpoch(on:labels:shouldStop:exclusive:afterStep:)`
    /// describes: nil, and the trainer as it was, when `shouldStop` says stop.
    public mutating func trainEpoch(
        on images: TrainingImages,
        labels: [UInt8]? = nil,
        shouldStop: () -> Bool = { false },
        exclusive: (_ step: (_ lanes: Int) -> Void) -> Void = { $0(1) },
        afterStep: (_ step: Int, _ steps: Int) -> Void = { _, _ in }
    ) -> EpochLosses? {
        if mlp != nil {
            return mlp?.trainEpoch(on: images, labels: labels, shouldStop: shouldStop, exclusive: exclusive, afterStep: afterStep) ?? nil
        }
        return convolutional?.trainEpoch(on: images, labels: labels, shouldStop: shouldStop, exclusive: exclusive, afterStep: afterStep) ?? nil
    }
}
