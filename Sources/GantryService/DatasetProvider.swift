import GAN
import MNIST

/// Where a job's training images come from. The daemon uses `DatasetCache` (download,
/// verify, cache); the seam keeps the scheduler testable without a mirror.
public protocol DatasetProvider: Sendable {
    /// Returns the training split of `name`, reporting download progress in [0, 1].
    func trainingImages(_ name: String, progress: @escaping @Sendable (Double) -> Void) throws -> TrainingImages
}

extension DatasetCache: DatasetProvider {
    public func trainingImages(_ name: String, progress: @escaping @Sendable (Double) -> Void) throws -> TrainingImages {
        let set = try load(name, split: .train) { event in
            if case .progress(let p) = event, p.datasetSize > 0 { progress(Double(p.datasetBytes) / Double(p.datasetSize)) }
        }
        let images = set.images
        guard images.rows * images.columns == TrainingConfig.imagePixels else {
            throw DatasetShapeError(name: name, rows: images.rows, columns: images.columns)
        }
        return TrainingImages(count: images.count, pixelsPerImage: TrainingConfig.imagePixels, pixels: images.pixels)
    }
}

struct DatasetShapeError: Error, CustomStringConvertible {
    let name: String, rows: Int, columns: Int
    var description: String { "dataset \(name) has \(rows)x\(columns) images; the model needs 28x28" }
}
