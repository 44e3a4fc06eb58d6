import GAN
import Linalg
import MNIST

/// mnist5k's splits as the trainer sees them, and one classifier trained on them,
/// shared by the tests that need a trained classifier (trained once, on first use).
enum Mnist5k {
    static func images(_ split: MNISTFolder.Split) throws -> (images: TrainingImages, labels: [UInt8]) {
        let set = try MNISTFolder.load(directory: LearningTests.mnist5k, split: split)
        return (TrainingImages(count: set.images.count, pixelsPerImage: 784, pixels: set.images.pixels), set.labels)
    }

    /// The daemon's classifier recipe on the 4,000 training digits (1.6 s), one BLAS thread.
    static let classifier: Classifier? = {
        guard let train = try? images(.train) else { return nil }
        BLASThreads.set(1)
        return QualityReference.trainClassifier(on: LabeledDigits(images: train.images, labels: train.labels))
    }()
}
