import Foundation
import GAN
import Testing
@testable import GantryJobs

/// The disk estimate against what a job really writes: a real job trained to the end
/// on the fixture's digits, its folder and the database's growth measured on disk.
@Suite struct DiskEstimateTests {
    /// Bytes of every file under `path`.
    static func bytes(under path: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        for case let name as String in walker {
            let attributes = try? FileManager.default.attributesOfItem(atPath: (path as NSString).appendingPathComponent(name))
            if attributes?[.type] as? FileAttributeType == .typeRegular { total += attributes?[.size] as? Int ?? 0 }
        }
        return total
    }

    @Test("a job scored every epoch writes no more than its estimate: samples exactly, loss records under 2 KiB each, files under their bounds")
    func whatAJobWritesStaysWithinItsEstimate() throws {
        let fixture = try ServiceFixture()
        var config = JobConfig()
        config.dataset = "mnist5k"
        config.training.epochs = 6
        config.training.gHidden = 32
        config.training.dHidden = 24
        config.training.emaDecay = 0.99
        config.training.seed = 11
        config.samplesPerEpoch = 64
        // Scored every epoch: the longest loss records a job writes.
        config.evalEvery = .every(1)
        config.evalSamples = 500
        let database = fixture.directory + "/gantry.sqlite"
        func databaseBytes() -> Int {
            ["", "-wal", "-shm"].reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: database + $1)[.size] as? Int) ?? 0) }
        }
        let databaseBefore = databaseBytes()
        let job = try fixture.scheduler.create(config: config, requestHash: "disk", idempotencyKey: nil).job
        let deadline = Date().addingTimeInterval(120)
        while try fixture.store.real.job(id: job.id)?.status.isFinished != true, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try fixture.store.real.job(id: job.id)?.status == .completed)

        let folder = fixture.files.directory(job.id)
        let samples = (1...6).map { (try? FileManager.default.attributesOfItem(atPath: fixture.files.samples(job.id, epoch: $0))[.size] as? Int) ?? -1 }
        #expect(samples == Array(repeating: 64 * 784, count: 6), "per-epoch samples files: \(samples)")
        let log = (try FileManager.default.attributesOfItem(atPath: fixture.files.epochLog(job.id))[.size] as? Int) ?? 0
        #expect(log / 6 <= 1024, "a loss record's line is \(log / 6) bytes on average")
        let checkpoint = (try FileManager.default.attributesOfItem(atPath: fixture.files.checkpoint(job.id))[.size] as? Int) ?? 0
        #expect(checkpoint <= Checkpoint.sizeBound(of: config.training, kind: .full))
        let written = Self.bytes(under: folder)
        let databaseGrowth = max(0, databaseBytes() - databaseBefore)
        // What is left at the end (one copy of each rewritten file) plus the database's
        // growth fits the estimate, which also holds the second copies a rewrite makes.
        #expect(written + databaseGrowth <= config.diskEstimateBytes - config.diskBytesRewritten / 2,
                "the job left \(written) bytes in its folder and grew \(database) by \(databaseGrowth); the estimate is \(config.diskEstimateBytes)")
    }
}
