import Foundation
import MNIST
import Synchronization

/// How many training images each dataset on disk has, so that `POST /v1/jobs` can refuse
/// a `batch_size` larger than the training set at once rather than as a failed job
/// minutes later. A dataset not yet downloaded is unknown (nil): its job is checked
/// when its training starts, as before.
///
/// The count is the training labels file's (its IDX header's length), read once per
/// version of that file: keyed by its size and modification time.
package final class TrainingSetSizes: Sendable {
    private let known = Mutex<[String: (stamp: FileStamp, count: Int)]>([:])
    private let specs: [String: DatasetSpec]
    private let directory: @Sendable (String) -> String

    struct FileStamp: Equatable {
        let size: Int64
        let modified: Int
    }

    package init(specs: [String: DatasetSpec], directory: @escaping @Sendable (String) -> String) {
        self.specs = specs
        self.directory = directory
    }

    package func trainingImages(of dataset: String) -> Int? {
        guard let spec = specs[dataset] else { return nil }
        let path = (directory(dataset) as NSString).appendingPathComponent(spec.files.trainLabels.name)
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let stamp = FileStamp(size: Int64(info.st_size), modified: info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec)
        if let hit = known.withLock({ $0[dataset] }), hit.stamp == stamp { return hit.count }
        guard let labels = try? IDXReader.readLabels(at: path) else { return nil }
        known.withLock { $0[dataset] = (stamp, labels.count) }
        return labels.count
    }
}
