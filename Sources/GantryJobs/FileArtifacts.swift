import Foundation
import GAN

/// A job's artifacts as files in its folder (`JobFiles`), beside a local store: the
/// single-node layout. An epoch is several writes, ordered so that a crash between
/// any two leaves a state the next run repairs (docs/durability.md).
public struct FileArtifacts: JobArtifacts {
    public let files: JobFiles
    let store: any JobStore

    public init(files: JobFiles, store: any JobStore) {
        self.files = files
        self.store = store
    }

    public func checkpoint(of id: String) throws -> [UInt8]? {
        try read(files.checkpoint(id))
    }

    public func bestGeneratorEpochs(of id: String) throws -> [Int] { files.bestGeneratorEpochs(id) }

    public func bestGenerator(of id: String, epoch: Int) throws -> [UInt8]? {
        try read(files.bestGenerator(id, epoch: epoch))
    }

    public func samples(of id: String, epoch: Int) throws -> [UInt8]? { files.readSamples(job: id, epoch: epoch) }

    public func prepareRun(_ id: String, resumingAfter epoch: Int) throws {
        try files.prepare(id)
        try store.discardEpochs(of: id, after: epoch)
        files.pruneBestGenerators(id, keepingAtMost: epoch)
    }

    public func commit(_ epoch: EpochCommit, job id: String) throws {
        let record = epoch.record
        // The samples and a new best generator before the record that names them; the
        // history file, then the record, before the checkpoint, so a crash between them
        // replays the epoch and the resume discards the record first; the superseded
        // best generator after the checkpoint, so a crash anywhere leaves one to resume with.
        try files.writeSamples(epoch.samples, job: id, epoch: record.epoch)
        if let best = epoch.bestGenerator {
            try AtomicFile.write(best, to: files.bestGenerator(id, epoch: record.epoch))
        }
        try files.appendEpoch(record, job: id)
        try store.recordEpoch(id, record, imagesPerSecond: epoch.imagesPerSecond)
        do {
            try AtomicFile.write(epoch.checkpoint, to: files.checkpoint(id))
        } catch {
            // No checkpoint of this epoch: its record goes too, so the job does not
            // show an epoch it cannot sample or resume from.
            try? store.discardEpochs(of: id, after: record.epoch - 1)
            throw error
        }
        if epoch.bestGenerator != nil { files.pruneBestGenerators(id, keepingAtMost: record.epoch) }
    }

    public func delete(_ id: String, forget: () throws -> Void) throws {
        // The folder goes out of sight first, so a crash never leaves a folder the
        // database does not know; a crash before the database forgets the job leaves the
        // retired folder as the mark the next start finishes the delete by (StateCheck).
        // A forget that fails (a full disk) puts the folder back: a refused delete leaves
        // the job as it was, and a retry starts over.
        try files.retire(id)
        do {
            try forget()
        } catch {
            try? files.unretire(id)
            throw error
        }
        files.removeRetired(id)
    }

    private func read(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CheckpointError.file(action: "cannot read", path: path, reason: error.localizedDescription)
        }
    }
}
