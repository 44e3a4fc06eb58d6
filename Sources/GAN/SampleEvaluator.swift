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
        /// A conditional generator's: the share of its digits the classifier labels as
        /// the digit asked for. Nil for an unconditional one.
        public var conditionalAccuracy: Double?

        public init(fd: Double, inceptionScore: Double, classCounts: [Int], confidentShare: Double, conditionalAccuracy: Double? = nil) {
            self.fd = fd
            self.inceptionScore = inceptionScore
            self.classCounts = classCounts
            self.confidentShare = confidentShare
            self.conditionalAccuracy = conditionalAccuracy
        }

        enum CodingKeys: String, CodingKey {
            case fd, inceptionScore = "inception_score", classCounts = "class_counts", confidentShare = "confident_share"
            case conditionalAccuracy = "conditional_accuracy"
        }

        /// The largest class's share: near 0.1 for a generator that draws every digit.
        public var largestClassShare: Double {
            Double(classCounts.max() ?? 0) / Double(max(classCounts.reduce(0, +), 1))
        }
    }

    /// `reference` holds images one a row in [-1, 1].
    public init(classifier: Classifier, reference: Matrix) {
        self.init(classifier: classifier, referenceCount: reference.rows) { reference.rows($0) }
    }

    /// The reference is images `indices` of `images`, scaled as they are drawn.
    public init(classifier: Classifier, reference images: TrainingImages, indices: [Int]) {
        self.init(classifier: classifier, referenceCount: indices.count, chunk: Self.chunks(of: images, indices))
    }

    private init(classifier: Classifier, referenceCount: Int, chunk images: (Range<Int>) -> Matrix) {
        self.classifier = classifier
        let features = Self.classify(classifier, count: referenceCount, chunk: images).features
        reference = ReferenceMoments(QualityScores.moments(features))
    }

    public func scores(of images: Matrix) -> Scores {
        scores(count: images.rows) { images.rows($0) }
    }

    /// Scores images `indices` of `images` (real digits, e.g. a test split).
    public func scores(of images: TrainingImages, indices: [Int]) -> Scores {
        scores(count: indices.count, chunk: Self.chunks(of: images, indices))
    }

    /// Scores `count` digits of `generator` drawn from noise seeded with `seed`; a
    /// conditional generator is asked for every digit in turn, and scored on how often
    /// the classifier agrees. `exclusive` wraps each 1,000-image chunk's products and the
    /// final statistics separately (the daemon's BLAS gate), so a request waits for one
    /// chunk, not all.
    public func scores(of generator: some ImageGenerator, count: Int, seed: UInt64,
                       exclusive: (() -> Void) -> Void = { $0() }) -> Scores {
        let noise = Generator.noise(count: count, zSize: generator.zSize, seed: seed)
        let asked = generator.isConditional ? LabelInput.cycle(count: count, classes: generator.labelCount) : nil
        return scores(count: count, asked: asked, exclusive: exclusive) { range in
            generator.generate(noise: noise.rows(range), labels: asked.map { Array($0[range]) })
        }
    }

    /// Images are made and classified 1,000 at a time: only the features and class
    /// probabilities of the whole set are kept (10,000 images at once would hold 70 MB
    /// of activations while training goes on beside it).
    private func scores(count: Int, asked: [Int]? = nil, exclusive: (() -> Void) -> Void = { $0() },
                        chunk images: (Range<Int>) -> Matrix) -> Scores {
        let (features, probabilities) = Self.classify(classifier, count: count, exclusive: exclusive, chunk: images)
        let (counts, confident) = QualityScores.classCounts(probabilities)
        var fd = 0.0
        exclusive { fd = QualityScores.frechetDistance(QualityScores.moments(features), reference) }
        return Scores(fd: fd, inceptionScore: QualityScores.inceptionScore(probabilities), classCounts: counts, confidentShare: confident,
                      conditionalAccuracy: asked.map { QualityScores.agreement(probabilities, labels: $0) })
    }

    /// Features and class probabilities of `count` images made `chunk` rows at a time.
    private static func classify(_ classifier: Classifier, count: Int, exclusive: (() -> Void) -> Void = { $0() },
                                 chunk images: (Range<Int>) -> Matrix) -> (features: Matrix, probabilities: Matrix) {
        let featureLayer = classifier.layers.count - 2
        var features = Matrix(rows: count, columns: classifier.layers[featureLayer].outputs)
        var probabilities = Matrix(rows: count, columns: classifier.classes)
        // `images` is only called while `exclusive` runs its body, never kept.
        withoutActuallyEscaping(images) { images in
            for start in stride(from: 0, to: count, by: chunk) {
                let range = start..<min(start + chunk, count)
                // One forward pass gives both the features (penultimate layer) and the class probabilities.
                exclusive {
                    let pass = classifier.forward(images(range))
                    features.copyRows(from: pass.post[featureLayer], toRow: start)
                    probabilities.copyRows(from: SoftmaxCrossEntropy.probabilities(pass.post[featureLayer + 1]), toRow: start)
                }
            }
        }
        return (features, probabilities)
    }

    /// Rows `range` of images `indices`, scaled to [-1, 1] as they are drawn.
    private static func chunks(of images: TrainingImages, _ indices: [Int]) -> (Range<Int>) -> Matrix {
        { range in
            var chunk = Matrix(rows: range.count, columns: images.pixelsPerImage)
            images.fill(&chunk, indices: indices[range])
            return chunk
        }
    }

    static let chunk = 1_000
}
