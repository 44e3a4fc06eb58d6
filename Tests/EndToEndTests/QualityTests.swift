import Foundation
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7, end to end: per-epoch quality scores (`eval_every`, `eval_samples`), the
/// job's `quality` and `warnings`, and the kept best generator.
extension EndToEndTests {
    // MARK: - Validation, eval_every 0, the datasets endpoint before any classifier

    @Test("eval_every/eval_samples out of range or mistyped → 400 invalid_parameter; eval_every 0 scores nothing, trains no classifier, keeps no best, answers best with 409")
    func qualityValidationAndNoEvaluation() throws {
        try Fixture.with("quality-validation") { f in
            try f.start()
            let api = f.api

            // Before any job: the dataset is configured but neither downloaded nor measured.
            let before = try api.get("/v1/datasets/mnist")
            #expect(before.status == 200 && isJSON(before), "\(before)")
            let b = try #require(before.object, "\(before)")
            #expect(b["name"] as? String == "mnist")
            #expect(b["downloaded"] as? Bool == false, "\(b)")
            #expect(isJSONNull(b["classifier"]) && isJSONNull(b["reference"]), "\(b)")
            #expect((b["note"] as? String)?.isEmpty == false, "a note while classifier is null: \(b)")
            #expect(b["links"] is [String: Any], "\(b)")
            let list = try api.get("/v1/datasets")
            #expect(list.status == 200 && isJSON(list), "\(list)")
            let listed = list.object?["datasets"] as? [[String: Any]] ?? []
            #expect(listed.map { $0["name"] as? String } == ["mnist"], "\(list)")
            if let entry = listed.first { #expect(canonicalJSON(entry) == canonicalJSON(b), "list entry \(entry) vs \(b)") }
            for unknown in ["nope", "MNIST", "mnist2"] {
                let r = try api.get("/v1/datasets/\(unknown)")
                #expect(r.status == 404 && isJSON(r) && r.errorCode?.isEmpty == false, "GET /v1/datasets/\(unknown) → \(r)")
            }

            // Out of range: the documented messages, word for word.
            let everyMessage = "eval_every must be \"auto\" or between 0 (no evaluation) and 10000"
            let samplesMessage = "eval_samples must be between 500 and 50000"
            for v in [-1, 10_001, 1_000_000] {
                let r = try api.post("/v1/jobs", json: ["epochs": 1, "eval_every": v])
                #expect(r.status == 400 && r.errorCode == "invalid_parameter" && r.errorMessage == everyMessage, "eval_every \(v) → \(r)")
            }
            for v in [499, 50_001, 0, -500] {
                let r = try api.post("/v1/jobs", json: ["epochs": 1, "eval_samples": v])
                #expect(r.status == 400 && r.errorCode == "invalid_parameter" && r.errorMessage == samplesMessage, "eval_samples \(v) → \(r)")
            }
            // Wrong types: a 400 naming the field.
            for (field, raw) in [("eval_every", "\"3\""), ("eval_every", "1.5"), ("eval_every", "true"), ("eval_every", "[1]"),
                                 ("eval_samples", "\"1000\""), ("eval_samples", "1000.5"), ("eval_samples", "{}")] {
                let body = "{\"epochs\": 1, \"\(field)\": \(raw)}"
                let r = try api.post("/v1/jobs", rawBody: body)
                #expect(r.status == 400 && isJSON(r) && r.errorCode == "invalid_parameter", "POST \(body) → \(r)")
                #expect(r.errorMessage?.contains(field) == true, "POST \(body): the message should name \(field): \(r)")
            }
            #expect(listedJobs(try api.get("/v1/jobs")).isEmpty, "a refused request must not create a job")

            // The bounds are accepted and echoed; eval_samples defaults to 10000.
            var spec = tinyJob
            spec["epochs"] = 2
            spec["eval_every"] = 0
            spec["eval_samples"] = 50_000
            let job = try api.createJob(spec)
            #expect(job.config["eval_every"] as? Int == 0 && job.config["eval_samples"] as? Int == 50_000, "\(job.config)")
            var spec2 = tinyJob
            spec2["eval_every"] = 0
            let job2 = try api.createJob(spec2)
            #expect(job2.config["eval_every"] as? Int == 0 && job2.config["eval_samples"] as? Int == 10_000,
                    "eval_samples defaults to 10000: \(job2.config)")

            let (records, status) = try api.followLosses(job.id, timeout: 60)
            #expect(status == "completed")
            #expect(epochNumbers(records) == [1, 2], "\(records)")
            for record in records { Self.checkScores(record, evaluated: false, samples: 0) }
            #expect(try api.waitForStatus(job2.id, ["completed", "failed", "cancelled"], timeout: 60).status == "completed")

            let done = try api.job(job.id)
            #expect(done.object.keys.contains("quality") && isJSONNull(done.object["quality"]), "quality: \(done.object["quality"] ?? "missing")")
            #expect((done.object["warnings"] as? [Any])?.isEmpty == true, "warnings: \(done.object["warnings"] ?? "missing")")
            let links = done.object["links"] as? [String: Any] ?? [:]
            #expect(links["best_samples"] as? String == "/v1/jobs/\(job.id)/samples?epoch=best", "\(links)")
            #expect(links["dataset"] as? String == "/v1/datasets/mnist", "\(links)")
            let latestRecord = try #require(done.object["latest"] as? [String: Any], "latest: \(done.object["latest"] ?? "missing")")
            Self.checkScores(latestRecord, evaluated: false, samples: 0)

            // Nothing evaluated: best is a 409, latest and its number still work, others are not kept.
            for path in ["samples?epoch=best", "checkpoint?epoch=best"] {
                let r = try api.get("/v1/jobs/\(job.id)/\(path)")
                #expect(r.status == 409 && isJSON(r) && r.errorCode == "no_evaluation_yet", "\(path) → \(r)")
            }
            let latest = try api.get("/v1/jobs/\(job.id)/samples?epoch=latest&count=4")
            #expect(latest.status == 200 && latest.header("Gantry-Epoch") == "2", "\(latest) \(latest.headers)")
            let two = try api.get("/v1/jobs/\(job.id)/samples?epoch=2&count=4")
            #expect(two.status == 200 && two.body == latest.body, "epoch=2 is the latest: \(two)")
            let one = try api.get("/v1/jobs/\(job.id)/samples?epoch=1")
            #expect(one.status == 404 && one.errorCode == "generator_not_kept", "\(one)")

            // No best file, no classifier, no training of one.
            #expect(Self.bestFileEpochs(f, job.id).isEmpty && Self.bestFileEpochs(f, job2.id).isEmpty,
                    "best files with eval_every 0: \(Self.bestFileEpochs(f, job.id)) \(Self.bestFileEpochs(f, job2.id))")
            #expect(!FileManager.default.fileExists(atPath: Self.datasetFile(f, "classifier.gantry").path))
            #expect(!FileManager.default.fileExists(atPath: Self.datasetFile(f, "quality.json").path))
            #expect(Self.classifierTrainings(f) == 0, "eval_every 0 must not train the classifier")
            let after = try #require(try api.get("/v1/datasets/mnist").object)
            #expect(after["downloaded"] as? Bool == true, "the jobs downloaded mnist: \(after)")
            #expect(isJSONNull(after["classifier"]) && isJSONNull(after["reference"]) && (after["note"] as? String)?.isEmpty == false, "\(after)")
            #expect(f.daemon?.stop() == .exited(0))
        }
    }

    // MARK: - Which epochs are scored; the job's quality and warnings

    @Test("eval_every 3 over 7 epochs scores epochs 3, 6 and 7 only; quality, best and warnings agree with the records at every moment")
    func evaluatedEpochsAndQuality() throws {
        try Fixture.with("quality-epochs") { f in
            try f.start()
            let api = f.api
            let job = try api.createJob(["epochs": 7, "g_hidden": 32, "d_hidden": 32, "seed": 3, "samples_per_epoch": 1,
                                         "eval_every": 3, "eval_samples": 1000])
            #expect(job.config["eval_every"] as? Int == 3 && job.config["eval_samples"] as? Int == 1000, "\(job.config)")
            // eval_every at its upper bound and eval_samples at its lower: only the last epoch is scored.
            let last = try api.createJob(["epochs": 2, "g_hidden": 32, "d_hidden": 32, "seed": 4, "samples_per_epoch": 1,
                                          "eval_every": 10_000, "eval_samples": 500])
            #expect(last.config["eval_every"] as? Int == 10_000 && last.config["eval_samples"] as? Int == 500, "\(last.config)")

            // While it trains, every snapshot is consistent: no quality before epoch 3, then the
            // latest scored epoch at or before the current one.
            let evaluatedEpochs = [3, 6, 7]
            var snapshots = 0
            _ = try api.waitFor(job.id, timeout: 90, every: 0.02, what: "finished") { j in
                snapshots += 1
                let q = j.object["quality"]
                let epoch = j.epoch
                if let quality = q as? [String: Any] {
                    let expected = evaluatedEpochs.last { $0 <= epoch }
                    #expect(quality["evaluated_epoch"] as? Int == expected, "at epoch \(epoch) quality is \(quality)")
                    #expect(evaluatedEpochs.contains(quality["best_epoch"] as? Int ?? -1), "at epoch \(epoch) quality is \(quality)")
                } else {
                    #expect(isJSONNull(q) && epoch < 3, "at epoch \(epoch) (status \(j.status)) quality is \(q ?? "missing")")
                }
                return j.isFinished
            }
            #expect(snapshots > 1)

            let (records, status) = try api.followLosses(job.id, timeout: 30)
            #expect(status == "completed")
            #expect(epochNumbers(records) == Array(1...7), "\(epochNumbers(records))")
            for record in records {
                Self.checkScores(record, evaluated: evaluatedEpochs.contains(record["epoch"] as? Int ?? -1), samples: 1000)
            }

            let done = try api.job(job.id)
            let quality = try #require(done.object["quality"] as? [String: Any], "quality: \(done.object["quality"] ?? "missing")")
            let byEpoch = Dictionary(records.map { ($0["epoch"] as? Int ?? -1, $0) }) { a, _ in a }
            let seventh = try #require(byEpoch[7])
            #expect(quality["evaluated_epoch"] as? Int == 7, "\(quality)")
            #expect(number(quality["fd"]) == number(seventh["fd"]), "quality.fd \(quality["fd"] ?? "nil") vs epoch 7 \(seventh["fd"] ?? "nil")")
            #expect(number(quality["inception_score"]) == number(seventh["inception_score"]), "\(quality) vs \(seventh)")
            let counts = Self.ints(seventh["class_counts"]) ?? []
            let share = Double(counts.max() ?? 0) / Double(max(counts.reduce(0, +), 1))
            #expect(abs((number(quality["largest_class_share"]) ?? -1) - share) < 1e-9, "largest_class_share \(quality["largest_class_share"] ?? "nil") vs \(counts)")
            // quality.* against the loss records: both come from the daemon, and their
            // agreement is the property here (the job's summary is its records'). The
            // best epoch is recomputed from the records by the test, and the scores
            // themselves are checked against `gantry train` below.
            let scored = evaluatedEpochs.compactMap { e in number(byEpoch[e]?["fd"]).map { (epoch: e, fd: $0) } }
            let best = try #require(scored.min { $0.fd < $1.fd }, "no scored epochs in \(records)")
            #expect(quality["best_epoch"] as? Int == best.epoch, "best_epoch \(quality["best_epoch"] ?? "nil"); fds \(scored)")
            #expect(number(quality["best_fd"]) == best.fd, "best_fd \(quality["best_fd"] ?? "nil"); fds \(scored)")
            // The real-data reference is the dataset's, and real digits score far better.
            let dataset = try #require(try api.get("/v1/datasets/mnist").object)
            let reference = try #require(dataset["reference"] as? [String: Any], "\(dataset)")
            #expect(number(quality["real_fd"]) != nil && number(quality["real_fd"]) == number(reference["fd"]), "\(quality) vs \(reference)")
            #expect(number(quality["real_inception_score"]) != nil && number(quality["real_inception_score"]) == number(reference["inception_score"]),
                    "\(quality) vs \(reference)")
            #expect((number(quality["real_fd"]) ?? .infinity) < best.fd, "real data should score a lower fd than a 7-epoch generator: \(quality)")
            Self.checkWarnings(done, latestEvaluated: seventh)
            let latest = try #require(done.object["latest"] as? [String: Any], "latest: \(done.object["latest"] ?? "missing")")
            #expect(latest["epoch"] as? Int == 7 && number(latest["fd"]) == number(seventh["fd"]), "latest: \(latest)")
            // An independent path to the same numbers: `gantry train` (no daemon, no store, no
            // HTTP, its own classifier trained from scratch) with the same seed and model
            // prints the same losses every epoch, and the same scores on epochs 3, 6 and 7.
            try Self.expectTrainCommandAgrees(f, records: records, realFD: number(reference["fd"]),
                                              arguments: ["--epochs", "7", "--g-hidden", "32", "--d-hidden", "32", "--seed", "3",
                                                          "--eval-every", "3", "--eval-samples", "1000"])
            #expect(Self.bestFileEpochs(f, job.id) == [best.epoch], "best files \(Self.bestFileEpochs(f, job.id)), best epoch \(best.epoch)")

            // The second job: epoch 1 not scored, epoch 2 (the last) scored with 500 samples.
            let (lastRecords, lastStatus) = try api.followLosses(last.id, timeout: 60)
            #expect(lastStatus == "completed")
            #expect(epochNumbers(lastRecords) == [1, 2])
            for record in lastRecords { Self.checkScores(record, evaluated: record["epoch"] as? Int == 2, samples: 500) }
            let lastDone = try api.job(last.id)
            let lastQuality = lastDone.object["quality"] as? [String: Any]
            #expect(lastQuality?["evaluated_epoch"] as? Int == 2 && lastQuality?["best_epoch"] as? Int == 2, "\(lastDone.object)")
            let second = try #require(lastRecords.last, "no records for \(last.id)")
            Self.checkWarnings(lastDone, latestEvaluated: second)
            #expect(Self.bestFileEpochs(f, last.id) == [2])
            #expect(f.daemon?.stop() == .exited(0))
        }
    }

    // MARK: - The best generator: samples and checkpoint by epoch

    @Test("samples and checkpoint at epoch=best|latest|N: the best-fd epoch's generator, repeatable bytes, generator_not_kept, invalid_parameter, no_evaluation_yet")
    func bestEpochSamplesAndCheckpoint() throws {
        try Fixture.with("quality-best") { f in
            try f.start(["concurrent_jobs": 1])
            let api = f.api
            // Default model; in its first epochs on mnist5k fd usually rises after epoch 1 or 2,
            // so the best epoch is normally not the latest (both cases are checked below).
            let job = try api.createJob(["epochs": 6, "seed": 1, "samples_per_epoch": 1, "eval_samples": 500])
            #expect(job.config["eval_every"] as? String == "auto", "eval_every defaults to auto: \(job.config)")
            // Queued behind the first job (which trains the classifier first): nothing evaluated yet.
            let queued = try api.createJob(["epochs": 1, "g_hidden": 8, "d_hidden": 8, "samples_per_epoch": 1, "eval_samples": 500])
            let early = try api.get("/v1/jobs/\(queued.id)/samples?epoch=best")
            let earlyStatus = try api.job(queued.id)
            #expect(earlyStatus.epoch == 0, "the second job should still wait behind the first: \(earlyStatus.object)")
            #expect(early.status == 409 && isJSON(early) && early.errorCode == "no_evaluation_yet", "\(early)")

            let (records, status) = try api.followLosses(job.id, timeout: 90)
            #expect(status == "completed")
            #expect(epochNumbers(records) == Array(1...6))
            for record in records { Self.checkScores(record, evaluated: true, samples: 500) }
            let done = try api.job(job.id)
            // 500 digits score in less than a tenth of an epoch of 4,000 images: auto scores every epoch.
            #expect(done.progress["eval_every"] as? Int == 1 && done.progress["phase"] as? String == "finished", "\(done.progress)")
            let quality = try #require(done.object["quality"] as? [String: Any], "\(done.object)")
            let scored = records.compactMap { r in number(r["fd"]).map { (epoch: r["epoch"] as? Int ?? -1, fd: $0) } }
            let expectedBest = try #require(scored.min { $0.fd < $1.fd })
            let best = try #require(quality["best_epoch"] as? Int, "\(quality)")
            #expect(best == expectedBest.epoch, "best_epoch \(best), fds \(scored)")
            #expect(Self.bestFileEpochs(f, job.id) == [best], "best files \(Self.bestFileEpochs(f, job.id))")
            let lastRecord = try #require(records.last, "no records for \(job.id)")
            Self.checkWarnings(done, latestEvaluated: lastRecord)

            let base = "/v1/jobs/\(job.id)"
            let query = "count=9&seed=5&columns=3&pad=1"
            let bestSamples = try api.get("\(base)/samples?epoch=best&\(query)")
            #expect(bestSamples.status == 200, "\(bestSamples)")
            #expect(bestSamples.header("Content-Type")?.hasPrefix("image/x-portable-graymap") == true, "\(bestSamples.headers)")
            #expect(bestSamples.header("Gantry-Epoch") == String(best), "Gantry-Epoch \(bestSamples.header("Gantry-Epoch") ?? "none"), best \(best)")
            let grid = try PGM(bestSamples.body)
            #expect(grid.width == PGM.side(cells: 3, pad: 1) && grid.height == PGM.side(cells: 3, pad: 1) && grid.maxValue == 255,
                    "\(grid.width)x\(grid.height) max \(grid.maxValue)")
            #expect(Set(grid.pixels).count > 1, "a grid of digits is not one flat colour")
            let again = try api.get("\(base)/samples?epoch=best&\(query)")
            #expect(again.status == 200 && again.body == bestSamples.body, "same seed and count, same bytes")
            let otherSeed = try api.get("\(base)/samples?epoch=best&count=9&seed=6&columns=3&pad=1")
            #expect(otherSeed.status == 200 && otherSeed.body != bestSamples.body, "another seed, other digits")
            let byNumber = try api.get("\(base)/samples?epoch=\(best)&\(query)")
            #expect(byNumber.status == 200 && byNumber.header("Gantry-Epoch") == String(best) && byNumber.body == bestSamples.body,
                    "epoch=\(best) is the best epoch: \(byNumber)")
            let latest = try api.get("\(base)/samples?epoch=latest&\(query)")
            #expect(latest.status == 200 && latest.header("Gantry-Epoch") == "6", "\(latest) \(latest.headers)")
            let six = try api.get("\(base)/samples?epoch=6&\(query)")
            #expect(six.status == 200 && six.body == latest.body && six.header("Gantry-Epoch") == "6", "\(six)")
            let plain = try api.get("\(base)/samples?\(query)")
            #expect(plain.status == 200 && plain.body == latest.body, "no epoch means latest")
            // Whichever epoch is best: the latest generator draws the best one's digits exactly when it is the best one.
            #expect((latest.body == bestSamples.body) == (best == 6), "best epoch \(best): latest and best samples equal: \(latest.body == bestSamples.body)")

            // The checkpoint of the best epoch: generator only, named after its epoch, the kept file's weights.
            let checkpoint = try api.get("\(base)/checkpoint?epoch=best")
            #expect(checkpoint.status == 200, "\(checkpoint)")
            let disposition = checkpoint.header("Content-Disposition") ?? ""
            #expect(disposition.contains("-epoch\(best).gantry"), "Content-Disposition: \(disposition)")
            let served = try CheckpointFile(checkpoint.body)
            #expect(served.epochs == UInt64(best) && served.kind == 1, "epochs \(served.epochs), kind \(served.kind)")
            #expect(!served.generator.isEmpty && served.tensors.allSatisfy { $0.name.hasPrefix("generator.") },
                    "tensors: \(served.tensors.map(\.name))")
            let kept = try CheckpointFile(Array(try Data(contentsOf: Self.bestFile(f, job.id, epoch: best))))
            #expect(kept.epochs == UInt64(best))
            #expect(served.generator == kept.generator, "the served best generator differs from best-\(best)'s")
            let checkpointByNumber = try api.get("\(base)/checkpoint?epoch=\(best)")
            #expect(checkpointByNumber.status == 200 && (try? CheckpointFile(checkpointByNumber.body))?.generator == served.generator)
            let latestCheckpoint = try api.get("\(base)/checkpoint?epoch=latest")
            #expect(latestCheckpoint.status == 200 && latestCheckpoint.header("Content-Disposition")?.contains("-epoch6.gantry") == true,
                    "\(latestCheckpoint) \(latestCheckpoint.headers)")
            let latestServed = try CheckpointFile(latestCheckpoint.body)
            #expect(latestServed.epochs == 6)
            #expect((latestServed.generator == served.generator) == (best == 6),
                    "best epoch \(best): latest and best generators equal: \(latestServed.generator == served.generator)")

            // Other epochs' generators are not kept; garbage is a 400.
            for epoch in Array(1...6).filter({ $0 != best && $0 != 6 }) + [7, 1000] {
                for what in ["samples", "checkpoint"] {
                    let r = try api.get("\(base)/\(what)?epoch=\(epoch)")
                    #expect(r.status == 404 && isJSON(r) && r.errorCode == "generator_not_kept", "\(what)?epoch=\(epoch) → \(r)")
                }
            }
            for garbage in ["abc", "0", "-1", "1.5", "2x", "best2"] {
                for what in ["samples", "checkpoint"] {
                    let r = try api.get("\(base)/\(what)?epoch=\(garbage)")
                    #expect(r.status == 400 && isJSON(r) && r.errorCode == "invalid_parameter", "\(what)?epoch=\(garbage) → \(r)")
                }
            }

            // The queued job ran after it and has its own best: its only epoch.
            #expect(try api.waitForStatus(queued.id, ["completed", "failed", "cancelled"], timeout: 60).status == "completed")
            let queuedBest = try api.get("/v1/jobs/\(queued.id)/samples?epoch=best&count=4")
            #expect(queuedBest.status == 200 && queuedBest.header("Gantry-Epoch") == "1", "\(queuedBest)")
            #expect(f.daemon?.stop() == .exited(0))
        }
    }

    /// Runs `gantry train ARGUMENTS` on mnist5k and expects, for each of the daemon's loss
    /// `records`, the line it prints for that epoch to show the same losses (4 decimals)
    /// and, on scored epochs, the same fd, inception score and largest class share as the
    /// record (as printed, 2 and 0 decimals), and `realFD` as the real data's fd.
    static func expectTrainCommandAgrees(_ f: Fixture, records: [[String: Any]], realFD: Double?, arguments: [String],
                                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = f.root.appendingPathComponent("train-command")
        let child = try Child(label: "gantry-train", executable: Paths.gantry,
                              arguments: ["train", "--data", Paths.mnist5k.path, "--checkpoint-dir", folder.path, "--blas-threads", "1"] + arguments,
                              environment: [:], logDirectory: f.root)
        let exit = child.waitForExit(timeout: 120)
        guard exit == .exited(0) else {
            child.killNow()
            Issue.record("gantry train: \(exit.map(\.description) ?? "still running after 120 s")\n\(child.stdout)\n\(child.stderrTail())",
                         sourceLocation: sourceLocation)
            return
        }
        let lines = child.stdout.split(separator: "\n").map(String.init)
        let format = { (value: Any?, digits: Int) in number(value).map { String(format: "%.\(digits)f", $0) } ?? "null" }
        for record in records {
            let epoch = record["epoch"] as? Int ?? -1
            guard let line = lines.first(where: { $0.hasPrefix("Epoch \(epoch)/") }) else {
                Issue.record("gantry train printed no line for epoch \(epoch):\n\(child.stdout)", sourceLocation: sourceLocation)
                continue
            }
            var expected = "Discriminator Loss: \(format(record["d_loss"], 4))... Generator Loss: \(format(record["g_loss"], 4))..."
            #expect(line.contains(expected), "epoch \(epoch): the daemon recorded \(expected)\ngantry train printed \(line)",
                    sourceLocation: sourceLocation)
            guard number(record["fd"]) != nil else {
                #expect(!line.contains(" fd "), "epoch \(epoch) was not scored by the daemon but by gantry train: \(line)",
                        sourceLocation: sourceLocation)
                continue
            }
            let counts = ints(record["class_counts"]) ?? []
            let share = Double(counts.max() ?? 0) / Double(max(counts.reduce(0, +), 1))
            expected = "fd \(format(record["fd"], 2)) (real \(format(realFD, 2))) IS \(format(record["inception_score"], 2)) top class \(format(share * 100, 0))%"
            #expect(line.contains(expected), "epoch \(epoch): the daemon recorded \(expected)\ngantry train printed \(line)",
                    sourceLocation: sourceLocation)
        }
    }
}
