import GAN
import MNIST

/// Where a job's images come from. The daemon uses `DatasetCache` (download, verify,
/// cache); the seam keeps the scheduler testable without a mirror.
public protocol DatasetProvider: Sendable {
    /// Returns one split of `name` with its labels, reporting download progress in [0, 1].
    func digits(_ name: String, split: MNISTFolder.Split, progress: @escaping @Sendable (Double) -> Void) throws -> LabeledDigits
    /// The folder that holds dataset `name`'s files, where its quality classifier is cached too.
    func directory(for name: String) -> String
}

extension DatasetCache: DatasetProvider {
    public func digits(_ name: String, split: MNISTFolder.Split, progress: @escaping @Sendable (Double) -> Void) throws -> LabeledDigits {
        let set = try load(name, split: split) { event in
            if case .progress(let p) = event, p.datasetSize > 0 { progress(Double(p.datasetBytes) / Double(p.datasetSize)) }
        }
        let images = set.images
        guard images.rows * images.columns == TrainingConfig.imagePixels else {
            throw DatasetShapeError(name: name, rows: images.rows, columns: images.columns)
        }
        return LabeledDigits(images: TrainingImages(count: images.count, pixelsPerImage: TrainingConfig.imagePixels, pixels: images.pixels),
                             labels: set.labels)
    }
}

struct DatasetShapeError: Error, CustomStringConvertible {
    let name: String, rows: Int, columns: Int
    var description: String { "dataset \(name) has \(rows)x\(columns) images; the model needs 28x28" }
}
