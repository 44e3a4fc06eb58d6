import Foundation
import GAN

/// What `GET /v1/datasets/NAME` tells about a dataset's quality yardstick: the
/// classifier's test accuracy and the scores of the real test split against itself.
/// Written to `state_dir/datasets/NAME/quality.json` when the classifier is built, so
/// the answer needs neither the dataset nor the BLAS gate.
public struct DatasetQuality: Sendable, Codable, Equatable {
    public var testAccuracy: Double
    public var testImages: Int
    /// Nil when the classifier was read from a cache whose summary had been lost.
    public var trainImages: Int?
    public var classifierEpochs: Int?
    /// How long training the classifier took; nil when it was read from an older cache.
    public var classifierSeconds: Double?
    public var builtAt: String
    /// One half of the test split scored against the other half.
    public var real: SampleEvaluator.Scores
    public var realSamples: Int

    enum CodingKeys: String, CodingKey {
        case testAccuracy = "test_accuracy", testImages = "test_images", trainImages = "train_images"
        case classifierEpochs = "classifier_epochs", classifierSeconds = "classifier_seconds", builtAt = "built_at"
        case real, realSamples = "real_samples"
    }

    static func path(in directory: String) -> String { (directory as NSString).appendingPathComponent("quality.json") }
    static func classifierPath(in directory: String) -> String { (directory as NSString).appendingPathComponent("classifier.gantry") }

    static func read(from directory: String) -> DatasetQuality? {
        guard let data = FileManager.default.contents(atPath: path(in: directory)) else { return nil }
        return try? JSONDecoder().decode(DatasetQuality.self, from: data)
    }

    func write(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write([UInt8](try encoder.encode(self)), to: Self.path(in: directory))
    }
}
