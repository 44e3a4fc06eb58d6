import Foundation
import GAN

/// A job as the store keeps it.
public struct Job: Sendable, Equatable {
    public var id: String
    public var status: JobStatus
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var config: JobConfig
    public var epochsCompleted: Int
    public var stepsPerEpoch: Int?
    public var imagesPerSecond: Double?
    public var latest: EpochLosses?
    public var error: String?
    public var idempotencyKey: String?
    public var requestHash: String?

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
