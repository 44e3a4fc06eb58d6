import Foundation
import Linalg

/// Scores a set of images (generated or real) with a trained digit classifier, against
/// the feature statistics of a reference set (the dataset's test split).
public struct SampleEvaluator: Sendable {
    public let classifier: Classifier
    public let reference: ReferenceMoments

    public struct Scores: Sendable, Equatable, Codable {
        /// Fréchet distance between classifier features of the images and of the reference set.
        public var fd: Double
        public var inceptionScore: Double
        public var classCounts: [Int]
        /// Share of images the classifier puts in one class with probability ≥ 0.9.
        public var confidentShare: Double

        enum CodingKeys: String, CodingKey {
            case fd, inceptionScore = "inception_score", classCounts = "class_counts", confidentShare = "confident_share"
        }

        /// The largest class's share: near 0.1 for a generator that draws every digit.
        public var largestClassShare: Double {
            Double(classCounts.max() ?? 0) / Double(max(classCounts.reduce(0, +), 1))
        }
    }

    /// `reference` holds images one a row in [-1, 1].
    public init(classifier: Classifier, reference: Matrix) {
        self.classifier = classifier
        self.reference = ReferenceMoments(QualityScores.moments(classifier.features(reference)))
    }

    public func scores(of images: Matrix) -> Scores {
        // One forward pass gives both the features (penultimate layer) and the class probabilities.
        let pass = classifier.forward(images)
        let features = pass.post[classifier.layers.count - 2]
        let probabilities = SoftmaxCrossEntropy.probabilities(pass.post[classifier.layers.count - 1])
        let (counts, confident) = QualityScores.classCounts(probabilities)
        return Scores(fd: QualityScores.frechetDistance(QualityScores.moments(features), reference),
                      inceptionScore: QualityScores.inceptionScore(probabilities), classCounts: counts, confidentShare: confident)
    }

    /// Scores `count` digits of `generator` drawn from noise seeded with `seed`.
    public func scores(of generator: Generator, count: Int, seed: UInt64) -> Scores {
        scores(of: generator.generate(noise: Generator.noise(count: count, zSize: generator.zSize, seed: seed)))
    }
}
