/// The epoch loop that `gantry train` and the daemon share: train an epoch, score the
/// generator when the epoch is due, tell whether the score is the best so far, and
/// hand the epoch over to be kept (printed, written, recorded: the caller's part).
public struct EpochLoop {
    /// One trained epoch: its record (with scores when it was evaluated), and whether
    /// its `fd` is the lowest yet.
    public struct Epoch {
        public var record: EpochLosses
        public var isBest: Bool
    }

    /// Whether epoch N is scored.
    public let evaluates: (Int) -> Bool
    /// The lowest `fd` so far (infinity before any).
    public private(set) var bestFD: Double

    public init(evaluates: @escaping (Int) -> Bool, bestFD: Double = .infinity) {
        self.evaluates = evaluates
        self.bestFD = bestFD
    }

    /// Runs epochs until the configuration's last, or until `train` returns nil (a stop
    /// requested mid-epoch, which leaves the trainer as it was). `score` is nil when the
    /// run does not evaluate. Returns whether every epoch was trained.
    @discardableResult
    public mutating func run(
        _ trainer: inout ModelTrainer,
        train: (inout ModelTrainer) -> EpochLosses?,
        score: ((any ImageGenerator) -> EpochEvaluation)?,
        keep: (Epoch, ModelTrainer) throws -> Void
    ) rethrows -> Bool {
        while trainer.epochsCompleted < trainer.config.epochs {
            guard let record = train(&trainer) else { return false }
            var epoch = Epoch(record: record, isBest: false)
            if let score, evaluates(record.epoch) {
                let evaluation = score(trainer.samplingGenerator)
                epoch.record.evaluation = evaluation
                if evaluation.scores.fd < bestFD {
                    bestFD = evaluation.scores.fd
                    epoch.isBest = true
                }
            }
            try keep(epoch, trainer)
        }
        return true
    }
}
