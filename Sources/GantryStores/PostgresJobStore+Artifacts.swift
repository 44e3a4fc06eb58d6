import Foundation
import GAN
import GantryJobs
import PostgresClient

/// Checkpoints, best generators and sample grids as `bytea` rows of `artifacts`
/// (kind, epoch), so that any node can sample, show grids and hand out weights.
/// An epoch's losses and all its artifacts are one transaction: it exists once, whole.
extension PostgresJobStore: JobArtifacts {
    enum ArtifactKind: String {
        case checkpoint, best, samples
    }

    private func artifact(_ id: String, _ kind: ArtifactKind, epoch: Int?) throws -> [UInt8]? {
        try run { db in
            if let epoch {
                return try db.bytes("SELECT data FROM artifacts WHERE job_id = $1 AND kind = $2 AND epoch = $3",
                                    [id, kind.rawValue, "\(epoch)"]).first ?? nil
            }
            return try db.bytes("SELECT data FROM artifacts WHERE job_id = $1 AND kind = $2 ORDER BY epoch DESC LIMIT 1",
                                [id, kind.rawValue]).first ?? nil
        }
    }

    public func checkpoint(of id: String) throws -> [UInt8]? { try artifact(id, .checkpoint, epoch: nil) }

    public func bestGeneratorEpochs(of id: String) throws -> [Int] {
        try run { db in
            try db.execute("SELECT epoch FROM artifacts WHERE job_id = $1 AND kind = 'best' ORDER BY epoch", [id])
                .compactMap { $0["epoch"].flatMap { Int($0) } }
        }
    }

    public func bestGenerator(of id: String, epoch: Int) throws -> [UInt8]? { try artifact(id, .best, epoch: epoch) }

    public func samples(of id: String, epoch: Int) throws -> [UInt8]? { try artifact(id, .samples, epoch: epoch) }

    /// Records and artifacts never run ahead of the checkpoint here (one transaction
    /// each epoch), so this only trims what a future change might leave.
    public func prepareRun(_ id: String, resumingAfter epoch: Int) throws {
        try write(job: id) { db in
            try Self.discardEpochs(db, id, after: epoch)
            try db.execute("DELETE FROM artifacts WHERE job_id = $1 AND kind <> 'checkpoint' AND epoch > $2", [id, "\(epoch)"])
        }
    }

    public func commit(_ epoch: EpochCommit, job id: String) throws {
        let n = "\(epoch.record.epoch)"
        try write(job: id) { db in
            try Self.insertEpoch(db, id, epoch.record, imagesPerSecond: epoch.imagesPerSecond)
            try put(db, id, .samples, n, epoch.samples)
            try db.execute("DELETE FROM artifacts WHERE job_id = $1 AND kind = 'checkpoint'", [id])
            try put(db, id, .checkpoint, n, epoch.checkpoint)
            if let best = epoch.bestGenerator {
                try db.execute("DELETE FROM artifacts WHERE job_id = $1 AND kind = 'best'", [id])
                try put(db, id, .best, n, best)
            }
        }
    }

    private func put(_ db: PostgresConnection, _ id: String, _ kind: ArtifactKind, _ epoch: String, _ bytes: [UInt8]) throws {
        try db.execute("INSERT INTO artifacts (job_id, kind, epoch, data) VALUES ($1, $2, $3, $4)",
                       values: [.text(id), .text(kind.rawValue), .text(epoch), .bytes(bytes)])
    }

    public func delete(_ id: String, forget: () throws -> Void) throws { try forget() }
}
