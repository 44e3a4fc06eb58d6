import Foundation
import GAN
import HTTPServer
import ModelExport
import Testing
@testable import GantryJobs
@testable import GantryAPI

/// The digit handlers against a job the real scheduler trained on the fixture's digits:
/// what each returns, and each refusal's status and code as a client gets it.
@Suite(.serialized) final class ImagesAPITests {
    let fixture: ServiceFixture
    let api: ImagesAPI
    let http = HandlerHarness()

    init() throws {
        fixture = try ServiceFixture()
        api = ImagesAPI(scheduler: fixture.scheduler, store: fixture.store,
                        artifacts: FileArtifacts(files: fixture.files, store: fixture.store), gate: fixture.gate, downloads: DownloadBuffers(limitBytes: 64 << 20))
    }

    /// A 3-epoch job with 4 fixed-noise samples an epoch and no scoring, trained to the end.
    func trainedJob(conditional: Bool = false) throws -> Job {
        var config = JobConfig()
        config.dataset = "mnist5k"
        config.training.epochs = 3
        config.training.gHidden = 8
        config.training.dHidden = 8
        config.training.seed = 5
        config.samplesPerEpoch = 4
        config.evalEvery = .every(0)
        config.training.conditional = conditional
        let id = try fixture.scheduler.create(config: config, requestHash: "images \(conditional)", idempotencyKey: nil).job.id
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let job = try fixture.store.job(id: id), job.status == .completed { return job }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw FailingStore.Injected(operation: "waiting for job \(id) to complete")
    }

    /// A job record with no epoch and no files, in `status`.
    func untrainedJob(_ status: JobStatus, error: String? = nil) throws -> Job {
        let job = Job(id: Job.newID(), status: status, createdAt: Date(), startedAt: nil, finishedAt: nil, config: JobConfig(),
                      epochsCompleted: 0, stepsPerEpoch: nil, imagesPerSecond: nil, latest: nil, error: error,
                      idempotencyKey: nil, requestHash: nil)
        try fixture.store.insert(job)
        return job
    }

    /// Width and height from a binary PGM's header, and its pixel bytes.
    func pgm(_ response: HTTPResponse) -> (width: Int, height: Int, pixels: ArraySlice<UInt8>)? {
        let bytes = response.body
        guard bytes.starts(with: Array("P5\n".utf8)) else { return nil }
        let lines = bytes.split(separator: 0x0A, maxSplits: 3, omittingEmptySubsequences: false)
        guard lines.count == 4 else { return nil }
        let size = String(decoding: lines[1], as: UTF8.self).split(separator: " ").compactMap { Int($0) }
        guard size.count == 2, String(decoding: lines[2], as: UTF8.self) == "255" else { return nil }
        return (size[0], size[1], lines[3])
    }

    @Test func samplesAreAReproducibleGridOfTheLatestGenerator() throws {
        let job = try trainedJob()
        let path = "/v1/jobs/\(job.id)/samples"
        let request = http.request(.get, path, query: [("count", "6"), ("columns", "3"), ("pad", "1"), ("seed", "9")])
        let response = http.answer({ try api.samples(request, job: job) }, request)
        #expect(response.status.code == 200 && response.headers["Content-Type"] == ImagesAPI.pgm && response.headers["Gantry-Epoch"] == "3")
        let grid = try #require(pgm(response))
        // 3 × 2 tiles of 28 pixels with 1 pixel of padding between them.
        #expect(grid.width == 3 * 28 + 2 && grid.height == 2 * 28 + 1 && grid.pixels.count == grid.width * grid.height)
        #expect(Set(grid.pixels).count > 2, "a generator's digits are not one flat value")
        #expect(http.answer({ try api.samples(request, job: job) }, request).body == response.body, "the same seed draws the same digits")
        let other = http.request(.get, path, query: [("count", "6"), ("columns", "3"), ("pad", "1"), ("seed", "10")])
        #expect(http.answer({ try api.samples(other, job: job) }, other).body != response.body)

        for (name, value) in [("count", "0"), ("count", "257"), ("columns", "x"), ("pad", "9"), ("seed", "-1")] {
            let bad = http.request(.get, path, query: [(name, value)])
            let refused = http.answer({ try api.samples(bad, job: job) }, bad)
            #expect(refused.status.code == 400 && http.code(refused) == "invalid_parameter" && http.message(refused).hasPrefix(name), "\(name)=\(value)")
        }
        // Only the latest generator is kept without scoring: best has none, epoch 2 is not kept.
        let best = http.request(.get, path, query: [("epoch", "best")])
        let noBest = http.answer({ try api.samples(best, job: job) }, best)
        #expect(noBest.status.code == 409 && http.code(noBest) == "no_evaluation_yet" && http.message(noBest).contains("eval_every is 0"))
        let second = http.request(.get, path, query: [("epoch", "2")])
        let notKept = http.answer({ try api.samples(second, job: job) }, second)
        #expect(notKept.status.code == 404 && http.code(notKept) == "generator_not_kept" && http.message(notKept).contains("keeps 3 (best and latest)") == false)
        #expect(http.message(notKept).contains("3 (latest)"), "\(http.message(notKept))")
        let third = http.request(.get, path, query: [("epoch", "3"), ("count", "6"), ("columns", "3"), ("pad", "1"), ("seed", "9")])
        #expect(http.answer({ try api.samples(third, job: job) }, third).body == response.body)
    }

    @Test func epochGridsAndTheProgressionReadTheRecordedSamples() throws {
        let job = try trainedJob()
        let base = "/v1/jobs/\(job.id)/epochs"
        let second = http.request(.get, "\(base)/2/samples", query: [("columns", "4"), ("pad", "0")], parameters: ["n": "2"])
        let grid = try #require(pgm(http.answer({ try api.epochSamples(second, job: job) }, second)))
        #expect(grid.width == 4 * 28 && grid.height == 28)
        #expect(Array(grid.pixels) == fixture.files.readSamples(job: job.id, epoch: 2).map(Self.rowMajor(columns: 4)))
        for n in ["4", "0", "two"] {
            let bad = http.request(.get, "\(base)/\(n)/samples", parameters: ["n": n])
            let refused = http.answer({ try api.epochSamples(bad, job: job) }, bad)
            #expect(refused.status.code == (n == "4" ? 404 : 400), "epoch \(n)")
        }

        let figure = http.request(.get, "/v1/jobs/\(job.id)/progression", query: [("rows", "2"), ("columns", "2"), ("pad", "0")])
        let progression = http.answer({ try api.progression(figure, job: job) }, figure)
        #expect(progression.headers["Gantry-Epochs"] == "1,3" && pgm(progression)?.width == 56 && pgm(progression)?.height == 56)
        // Columns beyond the 4 samples an epoch recorded are an upper bound, as rows are: 4 a row.
        let wide = http.request(.get, "/v1/jobs/\(job.id)/progression", query: [("rows", "2"), ("columns", "5"), ("pad", "0")])
        let widest = http.answer({ try api.progression(wide, job: job) }, wide)
        #expect(widest.status.code == 200 && pgm(widest)?.width == 4 * 28 && pgm(widest)?.height == 56)
        let default8 = http.answer({ try api.progression(http.request(.get, "/v1/jobs/\(job.id)/progression"), job: job) }, figure)
        #expect(pgm(default8)?.width == 4 * 28 + 3 * 2, "the default of 8 is cut to the 4 recorded")
        // A sample file gone from the folder is the server's fault, said without paths.
        try FileManager.default.removeItem(atPath: fixture.files.samples(job.id, epoch: 3))
        let missing = http.answer({ try api.progression(figure, job: job) }, figure)
        #expect(missing.status.code == 500 && !http.message(missing).contains(fixture.directory))
    }

    /// Tiles stored one after another, laid out `columns` to a row with no padding.
    static func rowMajor(columns: Int) -> ([UInt8]) -> [UInt8] {
        { tiles in
            let count = tiles.count / 784, rows = (count + columns - 1) / columns
            var out = [UInt8](repeating: 0, count: rows * 28 * columns * 28)
            for tile in 0..<count {
                for y in 0..<28 {
                    for x in 0..<28 {
                        out[((tile / columns) * 28 + y) * columns * 28 + (tile % columns) * 28 + x] = tiles[tile * 784 + y * 28 + x]
                    }
                }
            }
            return out
        }
    }

    @Test func theCheckpointIsTheLatestGeneratorOnly() throws {
        let job = try trainedJob()
        let request = http.request(.get, "/v1/jobs/\(job.id)/checkpoint")
        let response = http.answer({ try api.checkpoint(request, job: job) }, request)
        #expect(response.status.code == 200 && response.headers["Content-Disposition"] == "attachment; filename=\"\(job.id)-epoch3.gantry\"")
        let (saved, kind) = try Checkpoint.decodeMLP(response.body)
        let onDisk = try Checkpoint.readMLP(from: fixture.files.checkpoint(job.id)).trainer
        #expect(kind == .generatorOnly && saved.epochsCompleted == 3 && saved.generator == onDisk.generator)
        // A damaged checkpoint is a 500 that names the job, not the file's path or the decoder's words.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture.files.checkpoint(job.id))))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: fixture.files.checkpoint(job.id)))
        let damaged = http.answer({ try api.checkpoint(request, job: job) }, request)
        #expect(damaged.status.code == 500 && http.code(damaged) == "checkpoint_unreadable", "\(http.json(damaged))")
        #expect(http.message(damaged).contains(job.id) && !http.message(damaged).contains(fixture.directory), "\(http.message(damaged))")
    }

    @Test func aJobWithoutAGeneratorSaysWhy() throws {
        let queued = try untrainedJob(.queued)
        let request = http.request(.get, "/v1/jobs/\(queued.id)/samples")
        let early = http.answer({ try api.samples(request, job: queued) }, request)
        #expect(early.status.code == 409 && http.code(early) == "no_epoch_yet")
        let failed = try untrainedJob(.failed, error: "the dataset could not be downloaded")
        let none = http.request(.get, "/v1/jobs/\(failed.id)/samples")
        let refused = http.answer({ try api.samples(none, job: failed) }, none)
        #expect(refused.status.code == 409 && http.code(refused) == "no_generator" && http.message(refused).contains("could not be downloaded"))
        let figure = http.request(.get, "/v1/jobs/\(queued.id)/progression")
        #expect(http.code(http.answer({ try api.progression(figure, job: queued) }, figure)) == "no_epoch_yet")
    }

    /// A conditional job draws the digits asked for: the same bytes as its checkpoint's
    /// generator given those labels. An unconditional job refuses the question.
    @Test func aConditionalJobDrawsTheDigitsAskedFor() throws {
        let job = try trainedJob(conditional: true)
        let generator = try Checkpoint.readMLP(from: fixture.files.checkpoint(job.id)).trainer.samplingGenerator
        let path = "/v1/jobs/\(job.id)/samples"
        func grid(_ labels: [Int], columns: Int, seed: UInt64 = 7) -> [UInt8] {
            let noise = Generator.noise(count: labels.count, zSize: generator.zSize, seed: seed)
            return PGMGrid(columns: columns, pad: 2).encode(generator.generate(noise: noise, labels: labels))
        }
        let sevens = http.request(.get, path, query: [("digit", "7"), ("count", "6"), ("columns", "3")])
        #expect(http.answer({ try api.samples(sevens, job: job) }, sevens).body == grid(Array(repeating: 7, count: 6), columns: 3))
        let all = http.request(.get, path, query: [("digits", "all"), ("columns", "4"), ("seed", "2")])
        let rows = http.answer({ try api.samples(all, job: job) }, all)
        #expect(rows.body == grid((0..<40).map { $0 / 4 }, columns: 4, seed: 2), "a row per digit, 4 of each")
        #expect(pgm(rows)?.height == 10 * 28 + 9 * 2)
        let inTurn = http.request(.get, path, query: [("count", "12"), ("columns", "12")])
        #expect(http.answer({ try api.samples(inTurn, job: job) }, inTurn).body == grid((0..<12).map { $0 % 10 }, columns: 12))

        for query in [[("digit", "10")], [("digit", "x")], [("digits", "some")], [("digits", "all"), ("count", "5")], [("digit", "1"), ("digits", "all")]] {
            let bad = http.request(.get, path, query: query)
            let refused = http.answer({ try api.samples(bad, job: job) }, bad)
            #expect(refused.status.code == 400 && http.code(refused) == "invalid_parameter", "\(query): \(http.message(refused))")
        }
        let plain = try trainedJob()
        let unconditional = http.request(.get, "/v1/jobs/\(plain.id)/samples", query: [("digit", "3")])
        let refused = http.answer({ try api.samples(unconditional, job: plain) }, unconditional)
        #expect(refused.status.code == 409 && http.code(refused) == "not_conditional" && http.message(refused).contains("conditional: true"))
        // The question's own faults come first: a malformed one is a 400 whatever the job.
        let malformed = http.request(.get, "/v1/jobs/\(plain.id)/samples", query: [("digit", "3"), ("digits", "all")])
        #expect(http.answer({ try api.samples(malformed, job: plain) }, malformed).status.code == 400)
    }

    /// The export is the checkpoint's generator in the format asked for, byte for byte
    /// what the exporters write from the file on disk.
    @Test func theExportIsTheLatestGeneratorInTheFormatAskedFor() throws {
        let job = try trainedJob(conditional: true)
        let onDisk = ExportedGenerator(try Checkpoint.read(from: fixture.files.checkpoint(job.id)).trainer)
        for (format, bytes) in [("onnx", ONNXExport.model(onDisk)), ("safetensors", SafetensorsExport.file(onDisk))] {
            let request = http.request(.get, "/v1/jobs/\(job.id)/export", query: [("format", format)])
            let response = http.answer({ try api.export(request, job: job) }, request)
            #expect(response.status.code == 200 && response.body == bytes, "\(format): \(response.status.code)")
            #expect(response.headers["Content-Disposition"] == "attachment; filename=\"\(job.id)-epoch3.\(format)\"" && response.headers["Gantry-Epoch"] == "3")
        }
    }

    @Test func anExportThatCannotBeMadeSaysWhy() throws {
        let job = try trainedJob()
        func answer(_ job: Job, _ query: [(String, String)]) -> HTTPResponse {
            let request = http.request(.get, "/v1/jobs/\(job.id)/export", query: query)
            return http.answer({ try api.export(request, job: job) }, request)
        }
        for query in [[], [("format", "tflite")], [("format", "ONNX")], [("format", "onnx"), ("epoch", "0")]] {
            let refused = answer(job, query)
            #expect(refused.status.code == 400 && http.code(refused) == "invalid_parameter", "\(query): \(http.message(refused))")
        }
        #expect(http.message(answer(job, [("format", "tflite")])).contains("onnx or safetensors"))
        let notKept = answer(job, [("format", "onnx"), ("epoch", "2")])
        #expect(notKept.status.code == 404 && http.code(notKept) == "generator_not_kept", "\(http.json(notKept))")
        let noScores = answer(job, [("format", "safetensors"), ("epoch", "best")])
        #expect(noScores.status.code == 409 && http.code(noScores) == "no_evaluation_yet", "\(http.json(noScores))")
        let queued = answer(try untrainedJob(.queued), [("format", "onnx")])
        #expect(queued.status.code == 409 && http.code(queued) == "no_epoch_yet")
        let failed = answer(try untrainedJob(.failed, error: "the dataset could not be downloaded"), [("format", "onnx")])
        #expect(failed.status.code == 409 && http.code(failed) == "no_generator")
    }
}
