import Foundation
import GAN

/// Where a job's checkpoint, best generator and per-epoch sample grids live, and the
/// one write that records an epoch with them: files beside SQLite (`FileArtifacts`),
/// or rows of the shared PostgreSQL database, so that every node can read them.
public protocol JobArtifacts: Sendable {
    /// The latest full checkpoint's bytes; nil when the job has none yet.
    func checkpoint(of id: String) throws -> [UInt8]?
    /// Epochs whose best generator is kept, ascending (normally one).
    func bestGeneratorEpochs(of id: String) throws -> [Int]
    func bestGenerator(of id: String, epoch: Int) throws -> [UInt8]?
    /// The fixed-noise digits recorded for `epoch`, one byte a pixel.
    func samples(of id: String, epoch: Int) throws -> [UInt8]?

    /// Before a run trains: makes room for the job's artifacts and forgets records and
    /// artifacts newer than the checkpoint it resumes from (`epoch`), which it trains again.
    func prepareRun(_ id: String, resumingAfter epoch: Int) throws
    /// Records one epoch: its losses and the job's progress, its samples, a new best
    /// generator, and the checkpoint, so that each epoch exists exactly once whatever
    /// stops the process between the writes.
    func commit(_ epoch: EpochCommit, job id: String) throws
    /// Removes the job's artifacts around `forget` (which deletes its row), in the order
    /// that never leaves artifacts the store does not know.
    func delete(_ id: String, forget: () throws -> Void) throws
}

/// An epoch as it is recorded: the losses row and the bytes that go with it.
public struct EpochCommit: Sendable {
    public var record: EpochLosses
    public var imagesPerSecond: Double
    public var samples: [UInt8]
    /// The full checkpoint at the end of the epoch.
    public var checkpoint: [UInt8]
    /// The generator, when this epoch is the best so far by `fd`.
    public var bestGenerator: [UInt8]?

    public init(record: EpochLosses, imagesPerSecond: Double, samples: [UInt8], checkpoint: [UInt8], bestGenerator: [UInt8]?) {
        self.record = record
        self.imagesPerSecond = imagesPerSecond
        self.samples = samples
        self.checkpoint = checkpoint
        self.bestGenerator = bestGenerator
    }
}
