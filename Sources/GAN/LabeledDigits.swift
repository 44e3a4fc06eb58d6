import Linalg

/// A dataset split with its class labels, as the quality classifier sees it.
public struct LabeledDigits: Sendable {
    public let images: TrainingImages
    public let labels: [UInt8]

    public init(images: TrainingImages, labels: [UInt8]) {
        precondition(images.count == labels.count, "\(images.count) images but \(labels.count) labels")
        self.images = images
        self.labels = labels
    }

    public var count: Int { images.count }

    /// Noise images with seeded labels: the same work per step as real data, for timing and tests.
    public static func synthetic(count: Int, seed: UInt64) -> LabeledDigits {
        var rng = Xoshiro256StarStar(seed: seed ^ 0x1abe1)
        let labels = (0..<count).map { _ in UInt8(rng.nextIndex(below: TrainingConfig.labelCount)) }
        return LabeledDigits(images: .synthetic(count: count, seed: seed), labels: labels)
    }
}
