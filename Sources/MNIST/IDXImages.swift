/// Images decoded from an IDX file, kept as bytes: 60,000 MNIST images are
/// 47 MB as `UInt8` and four times that as `Float`, so scaling waits until a
/// batch is drawn.
public struct IDXImages: Sendable, Equatable {
    public let count: Int
    public let rows: Int
    public let columns: Int
    /// `count * rows * columns` bytes, image after image, each row-major; 0 is background.
    public let pixels: [UInt8]

    public init(count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
        precondition(pixels.count == count * rows * columns, "\(pixels.count) pixels do not make \(count) images of \(rows)x\(columns)")
        self.count = count
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
    }

    public var pixelsPerImage: Int { rows * columns }
}

/// One split of an MNIST-format dataset: the images and a label for each.
public struct LabeledImages: Sendable, Equatable {
    public let images: IDXImages
    public let labels: [UInt8]

    /// Pairs images with labels, refusing sets whose counts differ (a common
    /// sign of mixing files from two datasets or a truncated download).
    public init(images: IDXImages, labels: [UInt8]) throws {
        guard images.count == labels.count else {
            throw IDXError(.countMismatch(images: images.count, labels: labels.count))
        }
        self.images = images
        self.labels = labels
    }

    /// Reads and pairs an image file and a label file, each gzipped or plain.
    public static func load(imagesAt imagesPath: String, labelsAt labelsPath: String) throws -> LabeledImages {
        let images = try IDXReader.readImages(at: imagesPath)
        let labels = try IDXReader.readLabels(at: labelsPath)
        do {
            return try LabeledImages(images: images, labels: labels)
        } catch let error as IDXError {
            throw IDXError(error.problem, path: "\(imagesPath) and \(labelsPath)")
        }
    }
}
