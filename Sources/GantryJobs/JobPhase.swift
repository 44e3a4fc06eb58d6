/// What a job is doing right now, finer than its status: `running` covers preparing
/// the quality classifier, training and scoring, which a user waits on differently.
public enum JobPhase: String, Sendable {
    case queued, downloading
    case preparingClassifier = "preparing_classifier"
    case training, evaluating
    case finished
}
