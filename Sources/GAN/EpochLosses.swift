/// One epoch's record: the mean of each step figure over the epoch's batches, and the
/// quality scores when the epoch was evaluated.
///
/// The notebook prints the losses of the last batch only; a mean is steadier and is
/// what Gantry records and prints.
public struct EpochLosses: Sendable, Equatable, Codable {
    public var epoch: Int
    public var dLoss: Double
    public var gLoss: Double
    public var dLossReal: Double
    public var dLossFake: Double
    public var dRealMean: Double
    public var dFakeMean: Double
    public var seconds: Double
    public var steps: Int
    /// Set on evaluated epochs only.
    public var evaluation: EpochEvaluation?

    enum CodingKeys: String, CodingKey {
        case epoch, dLoss = "d_loss", gLoss = "g_loss", dLossReal = "d_loss_real", dLossFake = "d_loss_fake"
        case dRealMean = "d_real_mean", dFakeMean = "d_fake_mean", seconds, steps
        case fd, inceptionScore = "inception_score", classCounts = "class_counts", confidentShare = "confident_share"
        case evalSamples = "eval_samples", evalSeconds = "eval_seconds", conditionalAccuracy = "conditional_accuracy"
    }

    /// Flat, as the API shows a loss record: the score fields are `null` on epochs that were not evaluated.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(dLoss, forKey: .dLoss)
        try c.encode(gLoss, forKey: .gLoss)
        try c.encode(dLossReal, forKey: .dLossReal)
        try c.encode(dLossFake, forKey: .dLossFake)
        try c.encode(dRealMean, forKey: .dRealMean)
        try c.encode(dFakeMean, forKey: .dFakeMean)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(steps, forKey: .steps)
        try c.encode(evaluation?.scores.fd, forKey: .fd)
        try c.encode(evaluation?.scores.inceptionScore, forKey: .inceptionScore)
        try c.encode(evaluation?.scores.classCounts, forKey: .classCounts)
        try c.encode(evaluation?.scores.confidentShare, forKey: .confidentShare)
        try c.encode(evaluation?.scores.conditionalAccuracy, forKey: .conditionalAccuracy)
        try c.encode(evaluation?.samples, forKey: .evalSamples)
        try c.encode(evaluation?.seconds, forKey: .evalSeconds)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(epoch: try c.decode(Int.self, forKey: .epoch), dLoss: try c.decode(Double.self, forKey: .dLoss),
                  gLoss: try c.decode(Double.self, forKey: .gLoss), dLossReal: try c.decode(Double.self, forKey: .dLossReal),
                  dLossFake: try c.decode(Double.self, forKey: .dLossFake), dRealMean: try c.decode(Double.self, forKey: .dRealMean),
                  dFakeMean: try c.decode(Double.self, forKey: .dFakeMean), seconds: try c.decode(Double.self, forKey: .seconds),
                  steps: try c.decode(Int.self, forKey: .steps))
        if let fd = try c.decodeIfPresent(Double.self, forKey: .fd) {
            let scores = SampleEvaluator.Scores(fd: fd, inceptionScore: try c.decode(Double.self, forKey: .inceptionScore),
                                                classCounts: try c.decode([Int].self, forKey: .classCounts),
                                                confidentShare: try c.decode(Double.self, forKey: .confidentShare),
                                                conditionalAccuracy: try c.decodeIfPresent(Double.self, forKey: .conditionalAccuracy))
            evaluation = EpochEvaluation(scores: scores, samples: try c.decode(Int.self, forKey: .evalSamples),
                                         seconds: try c.decode(Double.self, forKey: .evalSeconds))
        }
    }

    public init(epoch: Int, dLoss: Double, gLoss: Double, dLossReal: Double, dLossFake: Double,
                dRealMean: Double, dFakeMean: Double, seconds: Double, steps: Int, evaluation: EpochEvaluation? = nil) {
        self.epoch = epoch
        self.dLoss = dLoss; self.gLoss = gLoss; self.dLossReal = dLossReal; self.dLossFake = dLossFake
        self.dRealMean = dRealMean; self.dFakeMean = dFakeMean; self.seconds = seconds; self.steps = steps
        self.evaluation = evaluation
    }

    init(epoch: Int) {
        self.epoch = epoch
        dLoss = 0; gLoss = 0; dLossReal = 0; dLossFake = 0; dRealMean = 0; dFakeMean = 0
        seconds = 0; steps = 0
    }

    mutating func add(_ s: StepLosses) {
        dLoss += Double(s.dLoss); gLoss += Double(s.gLoss)
        dLossReal += Double(s.dLossReal); dLossFake += Double(s.dLossFake)
        dRealMean += Double(s.dRealMean); dFakeMean += Double(s.dFakeMean)
        steps += 1
    }

    mutating func finishMean() {
        let n = Double(max(steps, 1))
        dLoss /= n; gLoss /= n; dLossReal /= n; dLossFake /= n; dRealMean /= n; dFakeMean /= n
    }
}
