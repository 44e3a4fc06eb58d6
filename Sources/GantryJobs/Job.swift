import Foundation
import GAN

/// A job as the store keeps it.
///
/// Its `Codable` form is the `jobs` table's row (`CodingKeys` are the columns), so a
/// new job field is one edit here plus the migration that adds its column. The three
/// epoch records are not columns: the store joins them in from the `epochs` table.
public struct Job: Sendable, Equatable, Codable {
    public var id: String
    public var status: JobStatus
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var config: JobConfig
    public var epochsCompleted: Int
    public var stepsPerEpoch: Int?
    public var imagesPerSecond: Double?
    public var latest: EpochLosses? = nil
    public var error: String?
    public var idempotencyKey: String?
    public var requestHash: String?
    /// The evaluated epoch with the lowest `fd` (the earliest of equals), if any was evaluated.
    public var best: EpochLosses? = nil
    /// The latest evaluated epoch: what the job's warnings are about.
    public var lastEvaluated: EpochLosses? = nil
    /// In a cluster, the node that holds or last held the job's lease (not a column of
    /// its own: the store reads it from the lease).
    public var node: String? = nil

    package enum CodingKeys: String, CodingKey, CaseIterable {
        case id, status, config, error
        case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at"
        case epochsCompleted = "epochs_completed", stepsPerEpoch = "steps_per_epoch"
        case imagesPerSecond = "images_per_second", idempotencyKey = "idempotency_key", requestHash = "request_hash"
    }

    public init(id: String, status: JobStatus, createdAt: Date, startedAt: Date?, finishedAt: Date?, config: JobConfig,
                epochsCompleted: Int, stepsPerEpoch: Int?, imagesPerSecond: Double?, latest: EpochLosses?, error: String?,
                idempotencyKey: String?, requestHash: String?, best: EpochLosses? = nil, lastEvaluated: EpochLosses? = nil) {
        self.id = id; self.status = status; self.createdAt = createdAt; self.startedAt = startedAt
        self.finishedAt = finishedAt; self.config = config; self.epochsCompleted = epochsCompleted
        self.stepsPerEpoch = stepsPerEpoch; self.imagesPerSecond = imagesPerSecond; self.latest = latest
        self.error = error; self.idempotencyKey = idempotencyKey; self.requestHash = requestHash
        self.best = best; self.lastEvaluated = lastEvaluated
    }

    /// URL-safe, unguessable: 20 characters of [a-z0-9] (103 bits).
    public static func newID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// What a route accepts as an id before it touches the store.
    public static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
        }
    }
}
