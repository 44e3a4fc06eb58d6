import Foundation
import GAN

/// Where a job's files live: `state_dir/jobs/ID/` with `checkpoint.gantry` (latest,
/// full), `best-NNNNN.gantry` (the generator of the best-`fd` epoch NNNNN) and
/// `epochs/NNNNN.samples` (the fixed-noise digits of each epoch, one byte a pixel).
/// Every file is written atomically.
public struct JobFiles: Sendable {
    public let root: String

    public init(stateDirectory: String) {
        root = (stateDirectory as NSString).appendingPathComponent("jobs")
    }

    public func directory(_ id: String) -> String { (root as NSString).appendingPathComponent(id) }
    public func checkpoint(_ id: String) -> String { (directory(id) as NSString).appendingPathComponent("checkpoint.gantry") }
    func epochsDirectory(_ id: String) -> String { (directory(id) as NSString).appendingPathComponent("epochs") }
    public func samples(_ id: String, epoch: Int) -> String {
        (epochsDirectory(id) as NSString).appendingPathComponent(String(format: "%05d.samples", epoch))
    }

    public func bestGenerator(_ id: String, epoch: Int) -> String {
        (directory(id) as NSString).appendingPathComponent(String(format: "best-%05d.gantry", epoch))
    }

    /// Epochs whose best-generator file exists, ascending. Normally one; two for the
    /// moment between writing a new best and removing the old one.
    public func bestGeneratorEpochs(_ id: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory(id))) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("best-"), name.hasSuffix(".gantry") else { return nil }
            return Int(name.dropFirst(5).dropLast(7))
        }.sorted()
    }

    /// Keeps only the newest best-generator file at or before `epoch`: files after it
    /// belong to epochs a resume trains again, older ones were superseded.
    public func pruneBestGenerators(_ id: String, keepingAtMost epoch: Int) {
        let epochs = bestGeneratorEpochs(id)
        let kept = epochs.last { $0 <= epoch }
        for e in epochs where e != kept { try? FileManager.default.removeItem(atPath: bestGenerator(id, epoch: e)) }
    }

    public func prepare(_ id: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: epochsDirectory(id), withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.file(action: "cannot create", path: epochsDirectory(id), reason: error.localizedDescription)
        }
    }

    public func writeSamples(_ tiles: [UInt8], job id: String, epoch: Int) throws {
        try AtomicFile.write(tiles, to: samples(id, epoch: epoch))
    }

    public func readSamples(job id: String, epoch: Int) -> [UInt8]? {
        FileManager.default.contents(atPath: samples(id, epoch: epoch)).map { [UInt8]($0) }
    }

    /// The fixed noise a job's per-epoch samples are drawn from: derived from its seed,
    /// so the grids of one job show the same latent points moving through training.
    public static func fixedNoiseSeed(for config: JobConfig) -> UInt64 { config.training.seed ^ 0x5EED_F1ED_0000_0001 }

}
