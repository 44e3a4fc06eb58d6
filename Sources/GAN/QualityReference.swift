import Foundation
import Linalg

/// A dataset's yardstick for generated digits: a classifier trained on its training
/// split, the classifier's accuracy on the test split, the test split's feature
/// statistics that samples are compared with, and the scores the real test split gets
/// against itself, so a job's `fd` can be read next to what real digits score.
public struct QualityReference: Sendable {
    public let classifier: Classifier
    public let testAccuracy: Double
    /// Scores samples against the whole test split.
    public let evaluator: SampleEvaluator
    /// One half of the test split (odd positions) scored against the other (even positions).
    public let realScores: SampleEvaluator.Scores
    public let testImages: Int

    /// Everything but the classifier's training: about 0.1 s for a 10,000-image test split.
    public init(classifier: Classifier, test: LabeledDigits) {
        self.classifier = classifier
        testAccuracy = classifier.accuracy(test.images, labels: test.labels)
        testImages = test.count
        evaluator = SampleEvaluator(classifier: classifier, reference: test.images, indices: Array(0..<test.count))
        // Test splits may be ordered by class (mnist5k's is): interleave so each half has every digit.
        let evens = Array(stride(from: 0, to: test.count, by: 2)), odds = Array(stride(from: 1, to: test.count, by: 2))
        realScores = SampleEvaluator(classifier: classifier, reference: test.images, indices: evens)
            .scores(of: test.images, indices: odds)
    }

    /// Passes over the training split: enough that every set sees about 600,000 images
    /// (10 passes over MNIST's 60,000, about 10 s here), between 10 and 30 passes.
    public static func classifierEpochs(trainingImages n: Int) -> Int {
        min(30, max(10, (600_000 + n - 1) / max(n, 1)))
    }

    /// Batches `trainClassifier` runs on `n` training images.
    public static func classifierSteps(trainingImages n: Int) -> Int {
        classifierEpochs(trainingImages: n) * (n / classifierBatchSize)
    }

    static let classifierBatchSize = 100

    /// Training images are moved by up to this many pixels each way (augmentation).
    public static let maxShift = 1

    public static func trainClassifier(on train: LabeledDigits, seed: UInt64 = 11,
                                       exclusive: (() -> Void) -> Void = { $0() }) -> Classifier {
        var classifier = Classifier(seed: seed)
        classifier.train(train.images, labels: train.labels, epochs: classifierEpochs(trainingImages: train.count),
                         batchSize: classifierBatchSize, maxShift: maxShift, seed: seed &+ 1, exclusive: exclusive)
        return classifier
    }

    /// How a reference came to be: read from its cache file, or trained now (and how long that took).
    public enum Origin: Sendable, Equatable {
        case cached
        case trained(seconds: Double)
    }

    /// Reads the classifier cached at `path`, or trains one on `train()` and writes it there
    /// atomically. A damaged cache file is replaced, not trusted.
    public static func loadOrTrain(classifierAt path: String, train: () throws -> LabeledDigits, test: LabeledDigits,
                                   exclusive: (() -> Void) -> Void = { $0() },
                                   log: (String) -> Void = { _ in }) throws -> (reference: QualityReference, origin: Origin) {
        var cached: Classifier?
        if let data = FileManager.default.contents(atPath: path) {
            do { cached = try Classifier.decode([UInt8](data)).classifier } catch {
                log("the classifier cached at \(path) cannot be used (\(error)); training a new one")
            }
        }
        var origin = Origin.cached
        let classifier: Classifier
        if let cached {
            classifier = cached
        } else {
            let started = Date()
            classifier = trainClassifier(on: try train(), exclusive: exclusive)
            origin = .trained(seconds: Date().timeIntervalSince(started))
        }
        var built: QualityReference?
        exclusive { built = QualityReference(classifier: classifier, test: test) }
        guard let reference = built else { preconditionFailure("exclusive must run its body") }
        if origin != .cached { try AtomicFile.write(classifier.encoded(testAccuracy: reference.testAccuracy), to: path) }
        return (reference, origin)
    }

    /// Whether epoch `epoch` of a run of `last` is scored: every `every` epochs and the
    /// last one; never when `every` is 0.
    public static func evaluates(epoch: Int, every: Int, last: Int) -> Bool {
        every > 0 && (epoch % every == 0 || epoch == last)
    }

    /// The noise seed every evaluation of one training run uses: the same latent points
    /// each time, so epoch-to-epoch changes in `fd` come from the generator, not the draw.
    public static func evaluationSeed(trainingSeed: UInt64) -> UInt64 { trainingSeed ^ 0xE7A1_0000_0000_0002 }

    /// Scores `count` digits of `generator`, drawn from noise seeded with `seed`.
    public func scores(of generator: some ImageGenerator, count: Int, seed: UInt64,
                       exclusive: (() -> Void) -> Void = { $0() }) -> SampleEvaluator.Scores {
        evaluator.scores(of: generator, count: count, seed: seed, exclusive: exclusive)
    }
}
