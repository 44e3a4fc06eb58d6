import Foundation
import GAN
import HTTPServer
import GantryJobs

/// The handlers that return digits: fresh samples, recorded epoch grids, the
/// progression figure and the generator's weights.
package struct ImagesAPI: Sendable {
    let scheduler: Scheduler
    let store: any JobStore
    let artifacts: any JobArtifacts
    let gate: BLASGate
    /// Checkpoint downloads' bodies: shared per job and epoch, bounded in bytes.
    let downloads: DownloadBuffers

    package init(scheduler: Scheduler, store: any JobStore, artifacts: any JobArtifacts, gate: BLASGate, downloads: DownloadBuffers) {
        self.scheduler = scheduler
        self.store = store
        self.artifacts = artifacts
        self.gate = gate
        self.downloads = downloads
    }

    static let pgm = "image/x-portable-graymap"

    static func image(_ bytes: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: ["Content-Type": pgm], body: bytes)
    }

    /// The trainer at the job's last completed epoch: live for a training job, from its checkpoint otherwise.
    func latestTrainer(_ job: Job) throws -> ModelTrainer {
        if let live = scheduler.activeJob(job.id)?.latestSnapshot { return live }
        let bytes: [UInt8]?
        do { bytes = job.epochsCompleted > 0 ? try artifacts.checkpoint(of: job.id) : nil } catch {
            throw APIError(.internalServerError, .checkpointUnreadable, "job \(job.id)'s checkpoint cannot be read: \(Scheduler.sentence(for: error))")
        }
        guard let bytes else {
            if job.status == .failed || job.status == .cancelled {
                throw APIError(.conflict, .noGenerator, "job \(job.id) is \(job.status.rawValue) and kept no generator"
                               + (job.error.map { " (\($0))" } ?? ""))
            }
            throw APIError(.conflict, .noEpochYet, "job \(job.id) has not completed an epoch yet; retry when progress.epoch is at least 1")
        }
        do { return try Checkpoint.decode(bytes).trainer } catch {
            throw APIError(.internalServerError, .checkpointUnreadable, "job \(job.id)'s checkpoint cannot be read: \(Scheduler.sentence(for: error))")
        }
    }

    /// The trainer (generator only, for `best`) the `epoch` query names: `latest` (the
    /// default), `best` (the lowest-`fd` evaluated epoch) or a number whose generator is
    /// kept — the latest epoch's and the best epoch's are.
    func trainer(_ request: HTTPRequest, job: Job) throws -> ModelTrainer {
        let text = request.query("epoch") ?? "latest"
        if text == "latest" { return try latestTrainer(job) }
        let kept = try keptEpochs(job)
        let epoch: Int
        switch text {
        case "best":
            guard let best = kept.best else {
                throw APIError(.conflict, .noEvaluationYet,
                               "job \(job.id) has no evaluated epoch yet\(job.config.evalEvery.isOff ? " (eval_every is 0)" : ""); use epoch=latest")
            }
            epoch = best
        default:
            guard let n = Int(text), n >= 1 else {
                throw APIError(.badRequest, .invalidParameter, "epoch must be best, latest or an epoch number from 1")
            }
            epoch = n
        }
        // The live trainer may already be an epoch past the record read a moment ago; it
        // answers only for its own epoch, and a best epoch has its own kept generator.
        if epoch == kept.latest, epoch != kept.best {
            let latest = try latestTrainer(job)
            if latest.epochsCompleted == epoch { return latest }
        }
        guard epoch == kept.best else {
            let list = kept.best == kept.latest ? kept.latest.map { ["\($0) (best and latest)"] } ?? []
                : [kept.best.map { "\($0) (best)" }, kept.latest.map { "\($0) (latest)" }].compactMap { $0 }
            throw APIError(.notFound, .generatorNotKept,
                           "the generator of epoch \(epoch) is not kept; job \(job.id) keeps \(list.isEmpty ? "none yet" : list.joined(separator: " and "))")
        }
        do {
            guard let bytes = try artifacts.bestGenerator(of: job.id, epoch: epoch) else { throw CheckpointError.io("it is missing") }
            return try Checkpoint.decode(bytes).trainer
        } catch {
            throw APIError(.internalServerError, .checkpointUnreadable, "job \(job.id)'s best generator (epoch \(epoch)) cannot be read: \(Scheduler.sentence(for: error))")
        }
    }

    /// The epochs whose generator can be sampled: the best evaluated one (its file is
    /// on disk) and the latest completed one.
    func keptEpochs(_ job: Job) throws -> (best: Int?, latest: Int?) {
        let kept = try artifacts.bestGeneratorEpochs(of: job.id)
        let best = job.best.map(\.epoch).flatMap { kept.contains($0) ? $0 : nil }
        return (best, job.epochsCompleted > 0 ? job.epochsCompleted : nil)
    }

    func samples(_ request: HTTPRequest, job: Job) throws -> HTTPResponse {
        let asked = try DigitQuery(request, conditional: job.config.training.conditional)
        let count = try asked.count ?? request.integer("count", in: 1...256, default: 16)
        let seed = try request.unsigned("seed", default: 7)
        let columns = try asked.columns ?? request.integer("columns", in: 1...256, default: Int(Double(count).squareRoot().rounded(.up)))
        let pad = try request.integer("pad", in: 0...8, default: 2)
        let trainer = try trainer(request, job: job)
        let generator = trainer.samplingGenerator
        let noise = Generator.noise(count: count, zSize: generator.zSize, seed: seed)
        let labels = asked.labels(count: count)
        let images = gate.run { generator.generate(noise: noise, labels: labels) }
        var response = Self.image(PGMGrid(columns: columns, pad: pad).encode(images))
        response.headers.set("Gantry-Epoch", String(trainer.epochsCompleted))
        return response
    }

    func epochSamples(_ request: HTTPRequest, job: Job) throws -> HTTPResponse {
        let epochText = request.parameter("n") ?? ""
        guard let epoch = Int(epochText), epoch >= 1 else {
            throw APIError(.badRequest, .invalidParameter, "the epoch in the path must be a whole number from 1")
        }
        let count = job.config.samplesPerEpoch
        let columns = try request.integer("columns", in: 1...256, default: Int(Double(count).squareRoot().rounded(.up)))
        let pad = try request.integer("pad", in: 0...8, default: 2)
        guard epoch <= job.epochsCompleted, let tiles = try artifacts.samples(of: job.id, epoch: epoch), tiles.count == count * 784 else {
            throw APIError(.notFound, .notFound, "job \(job.id) has no samples for epoch \(epoch) (it has completed \(job.epochsCompleted))")
        }
        return Self.image(PGMGrid(columns: columns, pad: pad).encode(tiles: tiles, count: count))
    }

    /// A row per sampled epoch, evenly spaced from the first to the latest, like the
    /// notebook's "samples during training" figure.
    func progression(_ request: HTTPRequest, job: Job) throws -> HTTPResponse {
        let rows = try request.integer("rows", in: 1...100, default: 10)
        // Like `rows`, `columns` is an upper bound: an epoch recorded only samples_per_epoch digits.
        let perRow = min(try request.integer("columns", in: 1...256, default: 8), job.config.samplesPerEpoch)
        let pad = try request.integer("pad", in: 0...8, default: 2)
        let last = job.epochsCompleted
        guard last > 0 else {
            throw APIError(.conflict, .noEpochYet, "job \(job.id) has not completed an epoch yet")
        }
        let chosen = Self.spread(rows: min(rows, last), over: last)
        var tiles: [UInt8] = []
        for epoch in chosen {
            guard let epochTiles = try artifacts.samples(of: job.id, epoch: epoch) else {
                throw APIError(.internalServerError, .samplesMissing, "the samples of epoch \(epoch) are missing from job \(job.id)'s folder")
            }
            tiles += epochTiles.prefix(perRow * 784)
        }
        var response = Self.image(PGMGrid(columns: perRow, pad: pad).encode(tiles: tiles, count: chosen.count * perRow))
        response.headers.set("Gantry-Epochs", chosen.map(String.init).joined(separator: ","))
        return response
    }

    /// `rows` epochs from 1 to `last`, evenly spaced, always including both ends.
    static func spread(rows: Int, over last: Int) -> [Int] {
        guard rows > 1 else { return [last] }
        let values = (0..<rows).map { 1 + Int((Double($0) * Double(last - 1) / Double(rows - 1)).rounded()) }
        var seen = Set<Int>()
        return values.filter { seen.insert($0).inserted }
    }

    /// The generator's weights in the checkpoint format (kind "generator only"), of the
    /// epoch the `epoch` query names (as for samples).
    func checkpoint(_ request: HTTPRequest, job: Job) throws -> HTTPResponse {
        let trainer = try trainer(request, job: job)
        let body = try downloads.body(for: "\(job.id)/\(trainer.epochsCompleted)") { Checkpoint.encode(trainer, kind: .generatorOnly) }
        return HTTPResponse(status: .ok, headers: [
            "Content-Type": "application/octet-stream",
            "Content-Disposition": "attachment; filename=\"\(job.id)-epoch\(trainer.epochsCompleted).gantry\"",
        ], body: body.bytes, bodyOwner: body)
    }
}
