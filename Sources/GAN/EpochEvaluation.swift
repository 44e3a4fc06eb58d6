/// The quality scores of one epoch's generator: `samples` digits scored in `seconds`.
public struct EpochEvaluation: Sendable, Equatable {
    public var scores: SampleEvaluator.Scores
    public var samples: Int
    public var seconds: Double

    public init(scores: SampleEvaluator.Scores, samples: Int, seconds: Double) {
        self.scores = scores
        self.samples = samples
        self.seconds = seconds
    }
}
