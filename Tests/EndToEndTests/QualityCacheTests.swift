import Foundation
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7, end to end: the datasets endpoint with its cached classifier, and the best
/// generator file across a kill -9.
extension EndToEndTests {
    // MARK: - The dataset's classifier: built once, cached, shown, kept across a restart

    @Test("GET /v1/datasets/mnist after evaluating jobs: classifier and reference; trained once for two concurrent jobs; a restart reads it from the cache")
    func datasetClassifierOnceAndAcrossRestart() throws {
        try Fixture.with("quality-dataset") { f in
            try f.start(["concurrent_jobs": 2])
            var api = f.api
            let small: [String: Any] = ["epochs": 1, "g_hidden": 16, "d_hidden": 16, "samples_per_epoch": 1, "eval_samples": 500]
            // Two jobs at once on a fresh state folder: one classifier training between them.
            let first = try api.createJob(small)
            let second = try api.createJob(small)
            for id in [first.id, second.id] {
                let done = try api.waitForStatus(id, ["completed", "failed", "cancelled"], timeout: 90)
                #expect(done.status == "completed", "\(done.object)")
            }
            #expect(Self.classifierTrainings(f) == 1, "the classifier was trained \(Self.classifierTrainings(f)) times:\n\(f.daemon?.stderr ?? "")")

            let r = try api.get("/v1/datasets/mnist")
            #expect(r.status == 200 && isJSON(r), "\(r)")
            let view = try #require(r.object)
            #expect(view["name"] as? String == "mnist" && view["downloaded"] as? Bool == true, "\(view)")
            #expect(view["note"] == nil || isJSONNull(view["note"]), "no note once the classifier exists: \(view)")
            let classifier = try #require(view["classifier"] as? [String: Any], "\(view)")
            let accuracy = number(classifier["test_accuracy"]) ?? -1
            #expect(accuracy >= 0.94 && accuracy <= 1, "test_accuracy \(accuracy)")
            #expect(classifier["test_images"] as? Int == 1000 && classifier["train_images"] as? Int == 4000, "\(classifier)")
            #expect((classifier["epochs"] as? Int ?? 0) >= 1, "\(classifier)")
            #expect((number(classifier["seconds"]) ?? 0) > 0, "\(classifier)")
            #expect(Timestamp.parse(classifier["built_at"]) != nil, "built_at \(classifier["built_at"] ?? "missing")")
            let reference = try #require(view["reference"] as? [String: Any], "\(view)")
            #expect(reference["samples"] as? Int == 500, "\(reference)")
            #expect(number(reference["fd"]).map { $0.isFinite && $0 >= 0 } == true, "\(reference)")
            #expect(number(reference["inception_score"]).map { $0 > 1 && $0 <= 10 } == true, "\(reference)")
            #expect(number(reference["confident_share"]).map { (0...1).contains($0) } == true, "\(reference)")
            let realCounts = Self.ints(reference["class_counts"]) ?? []
            #expect(realCounts.count == 10 && realCounts.reduce(0, +) == 500, "\(reference)")
            // Real digits of ten classes: no class near half of them.
            #expect(Double(realCounts.max() ?? 500) / 500 < 0.4, "\(realCounts)")
            let listed = try api.get("/v1/datasets").object?["datasets"] as? [[String: Any]] ?? []
            #expect(listed.count == 1 && listed.first.map { canonicalJSON($0) == canonicalJSON(view) } == true,
                    "the list shows the same: \(listed)")
            let quality = try api.job(first.id).object["quality"] as? [String: Any]
            #expect(number(quality?["real_fd"]) == number(reference["fd"]), "\(quality ?? [:]) vs \(reference)")

            let classifierFile = Self.datasetFile(f, "classifier.gantry"), summaryFile = Self.datasetFile(f, "quality.json")
            #expect(FileManager.default.fileExists(atPath: summaryFile.path))
            let classifierBytes = try Data(contentsOf: classifierFile)
            #expect(!classifierBytes.isEmpty)

            // Restart: the view comes back from quality.json before any job runs...
            #expect(f.daemon?.stop() == .exited(0))
            try f.restart()
            api = f.api
            let afterRestart = try #require(try api.get("/v1/datasets/mnist").object)
            #expect(canonicalJSON(afterRestart) == canonicalJSON(view), "after a restart: \(afterRestart)\nbefore: \(view)")
            // ...and an evaluating job there loads the cached classifier instead of training one.
            let third = try api.createJob(small)
            let thirdDone = try api.waitForStatus(third.id, ["completed", "failed", "cancelled"], timeout: 90)
            #expect(thirdDone.status == "completed", "\(thirdDone.object)")
            let thirdQuality = try #require(thirdDone.object["quality"] as? [String: Any], "\(thirdDone.object)")
            #expect(number(thirdQuality["real_fd"]) == number(reference["fd"]), "\(thirdQuality) vs \(reference)")
            #expect(Self.classifierTrainings(f) == 1, "trained again after the restart:\n\(f.daemon?.stderr ?? "")")
            #expect(try Data(contentsOf: classifierFile) == classifierBytes, "classifier.gantry was rewritten")
            let finalView = try #require(try api.get("/v1/datasets/mnist").object)
            #expect(canonicalJSON(finalView) == canonicalJSON(view), "after the third job: \(finalView)")
            #expect(f.daemon?.stop() == .exited(0))
        }
    }

    // MARK: - kill -9 and the best file

    @Test("kill -9 mid-job plus the best files a crash window leaves: the job resumes, scores every epoch once as an uninterrupted run does, one best file remains and is served")
    func killNineKeepsOneBestFile() throws {
        try Fixture.with("quality-kill9") { f in
            try f.start(["concurrent_jobs": 1])
            var api = f.api
            let spec: [String: Any] = ["epochs": 8, "seed": 1, "samples_per_epoch": 1, "eval_samples": 500]
            let reference = try api.createJob(spec)
            let victim = try api.createJob(spec)
            let (referenceRecords, referenceStatus) = try api.followLosses(reference.id, timeout: 90)
            #expect(referenceStatus == "completed")
            #expect(epochNumbers(referenceRecords) == Array(1...8))
            let referenceBest = try #require((try api.job(reference.id).object["quality"] as? [String: Any])?["best_epoch"] as? Int)
            let query = "count=9&seed=5"
            let referenceSamples = try api.get("/v1/jobs/\(reference.id)/samples?epoch=best&\(query)")
            #expect(referenceSamples.status == 200)

            // Kill as soon as the victim's second epoch is recorded (a long-poll wakes on it)
            // and its checkpoint, written after the record, is on disk.
            let second = try api.get("/v1/jobs/\(victim.id)/losses?since=1&wait=60")
            let checkpointFile = f.stateDir.appendingPathComponent("jobs/\(victim.id)/checkpoint.gantry")
            _ = try eventually(timeout: 10) {
                (try? CheckpointFile(Array(try Data(contentsOf: checkpointFile))).epochs).map { $0 >= 2 } ?? false
            }
            let daemon = try #require(f.daemon)
            #expect(daemon.killNow() == .signalled(SIGKILL))
            let seen = (second.object?["epochs"] as? [[String: Any]] ?? []).compactMap { $0["epoch"] as? Int }
            #expect(seen.first == 2, "the long-poll answered with epochs \(seen)")

            // The state at the kill: a checkpoint before the end, at least one best file.
            let checkpointURL = f.stateDir.appendingPathComponent("jobs/\(victim.id)/checkpoint.gantry")
            let atKill = try CheckpointFile(Array(try Data(contentsOf: checkpointURL)))
            try #require(atKill.epochs >= 2 && atKill.epochs < 8, "the victim's checkpoint is at epoch \(atKill.epochs)")
            let bestAtKill = Self.bestFileEpochs(f, victim.id)
            let someBest = try #require(bestAtKill.last, "no best file after two evaluated epochs")
            // Plant what the crash windows of the best file leave. Right after writing a new best
            // for the next epoch: a best file newer than the checkpoint (the resume trains that
            // epoch again). Between the checkpoint and removing the superseded best: an older one.
            var planted = [Int(atKill.epochs) + 1]
            if let older = (1..<someBest).last(where: { !bestAtKill.contains($0) }) { planted.append(older) }
            for epoch in planted where !bestAtKill.contains(epoch) {
                try FileManager.default.copyItem(at: Self.bestFile(f, victim.id, epoch: someBest), to: Self.bestFile(f, victim.id, epoch: epoch))
            }

            try f.restart()
            api = f.api
            let (records, status) = try api.followLosses(victim.id, timeout: 90)
            #expect(status == "completed")
            let all = try api.get("/v1/jobs/\(victim.id)/losses").object?["epochs"] as? [[String: Any]] ?? []
            #expect(epochNumbers(all) == Array(1...8), "each epoch exactly once: \(epochNumbers(all))")
            #expect(epochNumbers(records) == Array(1...8), "followed: \(epochNumbers(records))")
            for record in all { Self.checkScores(record, evaluated: true, samples: 500) }
            // Same seed, one BLAS thread: the same scores as the uninterrupted run, epoch by epoch.
            for (mine, theirs) in zip(all, referenceRecords) {
                for key in ["fd", "inception_score", "confident_share"] {
                    #expect(number(mine[key]) == number(theirs[key]),
                            "epoch \(mine["epoch"] ?? "?") \(key): \(mine[key] ?? "nil") vs uninterrupted \(theirs[key] ?? "nil")")
                }
                #expect(Self.ints(mine["class_counts"]) == Self.ints(theirs["class_counts"]), "epoch \(mine["epoch"] ?? "?") class_counts")
            }

            let done = try api.job(victim.id)
            let quality = try #require(done.object["quality"] as? [String: Any], "\(done.object)")
            let best = try #require(quality["best_epoch"] as? Int, "\(quality)")
            let scored = all.compactMap { r in number(r["fd"]).map { (epoch: r["epoch"] as? Int ?? -1, fd: $0) } }
            #expect(best == scored.min { $0.fd < $1.fd }?.epoch, "best_epoch \(best), fds \(scored)")
            #expect(best == referenceBest, "best epoch \(best); the uninterrupted run's was \(referenceBest)")
            #expect(quality["evaluated_epoch"] as? Int == 8, "\(quality)")
            if let last = all.last { Self.checkWarnings(done, latestEvaluated: last) }
            #expect(Self.bestFileEpochs(f, victim.id) == [best], "best files \(Self.bestFileEpochs(f, victim.id)), best_epoch \(best)")

            let samples = try api.get("/v1/jobs/\(victim.id)/samples?epoch=best&\(query)")
            #expect(samples.status == 200 && samples.header("Gantry-Epoch") == String(best), "\(samples) \(samples.headers)")
            #expect(samples.body == referenceSamples.body, "the best generator differs from the uninterrupted run's")
            let checkpoint = try api.get("/v1/jobs/\(victim.id)/checkpoint?epoch=best")
            #expect(checkpoint.status == 200 && checkpoint.header("Content-Disposition")?.contains("-epoch\(best).gantry") == true,
                    "\(checkpoint) \(checkpoint.headers)")
            #expect(f.daemon?.stop() == .exited(0))
        }
    }
}
