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
}
