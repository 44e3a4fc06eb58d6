import Foundation
import GAN
import MNIST
@testable import GantryJobs

/// A scheduler over the real SQLite store (behind `FailingStore`), with the fixture's
/// digits imported as `mnist5k`, in a temporary state folder removed at the end.
final class ServiceFixture {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-service-\(UUID())").path
    let store: FailingStore
    let scheduler: Scheduler
    let files: JobFiles
    let references: QualityReferences
    let notifier = EpochNotifier()
    let gate = BLASGate()

    static let digits = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/mnist5k").path

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try FailingStore(path: directory + "/gantry.sqlite")
        let cache = DatasetCache(stateDirectory: directory)
        try cache.importFiles("mnist5k", from: Self.digits)
        files = JobFiles(stateDirectory: directory)
        references = QualityReferences(datasets: cache, gate: gate)
        scheduler = Scheduler(store: store, artifacts: FileArtifacts(files: files, store: store), datasets: cache, references: references,
                              gate: gate, notifier: notifier, maxQueuedJobs: 4, concurrentJobs: 1)
    }

    deinit {
        scheduler.shutdown(timeout: 10)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
