/// One configured dataset: where to fetch it, in order of preference, and
/// exactly what its four MNIST-format files must be.
///
/// JSON (the `datasets` entries of `config/gantry.json`):
/// `{"base_urls": ["https://…/"], "files": {"train_images": {"name": …, "sha256": …, "size": …}, …}}`.
public struct DatasetSpec: Sendable, Equatable, Codable {
    /// Folders the files are fetched from, tried in order; a file's URL is the
    /// base URL followed by the file's name.
    public var baseURLs: [String]
    public var files: DatasetFiles
    /// Images in both splits, when the config says: what a job's memory estimate
    /// counts before the files are fetched (MNIST's 70,000 when not given).
    public var images: Int?

    public init(baseURLs: [String], files: DatasetFiles, images: Int? = nil) {
        self.baseURLs = baseURLs
        self.files = files
        self.images = images
    }

    /// MNIST's training and test images: the estimate's count for a dataset whose config gives none.
    public static let assumedImages = 70_000

    /// `images`, or MNIST's count.
    public var imagesForEstimate: Int { images ?? Self.assumedImages }

    enum CodingKeys: String, CodingKey {
        case baseURLs = "base_urls"
        case files, images
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ConfigKey.self)
        try c.rejectUnknownKeys(["base_urls", "files", "images"])
        baseURLs = try c.decode([String].self, snake: "base_urls")
        files = try c.decode(DatasetFiles.self, snake: "files")
        images = try c.decodeIfPresent(Int.self, snake: "images")
    }
}

/// The four files of an MNIST-format dataset.
public struct DatasetFiles: Sendable, Equatable, Codable {
    public var trainImages: DatasetFile
    public var trainLabels: DatasetFile
    public var testImages: DatasetFile
    public var testLabels: DatasetFile

    public init(trainImages: DatasetFile, trainLabels: DatasetFile, testImages: DatasetFile, testLabels: DatasetFile) {
        self.trainImages = trainImages
        self.trainLabels = trainLabels
        self.testImages = testImages
        self.testLabels = testLabels
    }

    /// In download order: the training set first, since a job needs it first.
    public var all: [DatasetFile] { [trainImages, trainLabels, testImages, testLabels] }

    public func images(for split: MNISTFolder.Split) -> DatasetFile { split == .train ? trainImages : testImages }
    public func labels(for split: MNISTFolder.Split) -> DatasetFile { split == .train ? trainLabels : testLabels }

    enum CodingKeys: String, CodingKey {
        case trainImages = "train_images"
        case trainLabels = "train_labels"
        case testImages = "test_images"
        case testLabels = "test_labels"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ConfigKey.self)
        try c.rejectUnknownKeys(["train_images", "train_labels", "test_images", "test_labels"])
        trainImages = try c.decode(DatasetFile.self, snake: "train_images")
        trainLabels = try c.decode(DatasetFile.self, snake: "train_labels")
        testImages = try c.decode(DatasetFile.self, snake: "test_images")
        testLabels = try c.decode(DatasetFile.self, snake: "test_labels")
    }
}

/// One file as the config pins it: its name on the mirrors and in the cache,
/// its SHA-256 (hex) and its exact size in bytes.
public struct DatasetFile: Sendable, Equatable, Codable {
    public var name: String
    public var sha256: String
    public var size: Int

    public init(name: String, sha256: String, size: Int) {
        self.name = name
        self.sha256 = sha256
        self.size = size
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ConfigKey.self)
        try c.rejectUnknownKeys(["name", "sha256", "size"])
        name = try c.decode(String.self, snake: "name")
        sha256 = try c.decode(String.self, snake: "sha256")
        size = try c.decode(Int.self, snake: "size")
    }
}
