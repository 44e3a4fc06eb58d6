import Foundation
import GantryTestSupport
import Testing

/// The model options through the real daemon: an improved conditional job trains,
/// records its conditional accuracy, draws the digits asked for, and draws the same
/// digits after a restart (its version 2 checkpoint, average included, read back).
extension EndToEndTests {
    @Test("an improved conditional job: its config, conditional_accuracy in losses and quality, samples by digit, the same bytes after a restart")
    func improvedConditionalJob() throws {
        try Fixture.with("models") { f in
            try f.start()
            var api = f.api
            let job = try api.createJob(["model": "improved", "conditional": true, "epochs": 4, "g_hidden": 32, "d_hidden": 32,
                                         "eval_every": 2, "eval_samples": 500, "samples_per_epoch": 10, "seed": 12])
            let done = try api.waitForStatus(job.id, ["completed", "failed", "cancelled"], timeout: 120)
            #expect(done.status == "completed", "\(done.object)")
            let config = done.object["config"] as? [String: Any] ?? [:]
            #expect(config["model"] as? String == "improved" && config["conditional"] as? Bool == true, "\(config)")
            #expect(config["beta1"] as? Double == 0.5 && config["g_hidden"] as? Int == 32, "a named field wins over the recipe: \(config)")
            #expect((config["d_dropout"] as? Double).map { abs($0 - 0.3) < 1e-6 } == true && (config["ema_decay"] as? Double).map { abs($0 - 0.999) < 1e-6 } == true)

            let losses = try api.get("/v1/jobs/\(job.id)/losses?since=0").object?["epochs"] as? [[String: Any]] ?? []
            #expect(losses.count == 4)
            for record in losses {
                let evaluated = [2, 4].contains(record["epoch"] as? Int ?? 0)
                let accuracy = record["conditional_accuracy"] as? Double
                #expect(evaluated ? (accuracy.map { (0...1).contains($0) } == true) : isJSONNull(record["conditional_accuracy"]), "\(record)")
            }
            let quality = done.object["quality"] as? [String: Any] ?? [:]
            #expect(quality["conditional_accuracy"] as? Double == losses.last?["conditional_accuracy"] as? Double, "\(quality)")

            let all = try api.get("/v1/jobs/\(job.id)/samples?digits=all&columns=3&seed=4")
            #expect(all.status == 200 && all.header("Content-Type") == "image/x-portable-graymap")
            #expect(all.body.starts(with: Array("P5\n\(3 * 28 + 2 * 2) \(10 * 28 + 9 * 2)\n255\n".utf8)), "\(all.body.prefix(20))")
            let sevens = try api.get("/v1/jobs/\(job.id)/samples?digit=7&count=4&seed=4")
            #expect(sevens.status == 200 && sevens.body != all.body)
            #expect(try api.get("/v1/jobs/\(job.id)/samples?digit=12").status == 400)

            #expect(f.daemon?.stop() == .exited(0))
            try f.restart()
            api = f.api
            #expect(try api.get("/v1/jobs/\(job.id)/samples?digits=all&columns=3&seed=4").body == all.body)
            #expect(try api.get("/v1/jobs/\(job.id)/samples?digit=7&count=4&seed=4").body == sevens.body)
            #expect(f.daemon?.stop() == .exited(0))
        }
    }
}

/// The convolutional model through the real daemon: a dcgan job trains and is scored,
/// shows its widths (and no MLP widths), samples by digit, serves a version 3
/// generator-only checkpoint, refuses the MLP's fields, and samples the same after a restart.
extension EndToEndTests {
    @Test("a conditional dcgan job: its config, scores, samples by digit, a version 3 checkpoint, the same bytes after a restart")
    func dcganConditionalJob() throws {
        try Fixture.with("dcgan") { f in
            try f.start()
            var api = f.api
            let refused = try api.post("/v1/jobs", json: ["model": "dcgan", "g_hidden": 64])
            #expect(refused.status == 400 && refused.text.contains("g_channels"), "\(refused.text)")
            let odd = try api.post("/v1/jobs", json: ["model": "dcgan", "g_channels": 7])
            #expect(odd.status == 400 && odd.text.contains("even"), "\(odd.text)")
            let job = try api.createJob(["model": "dcgan", "conditional": true, "epochs": 2, "g_channels": 16, "d_channels": 8,
                                         "eval_every": 2, "eval_samples": 500, "samples_per_epoch": 10, "seed": 31])
            let done = try api.waitForStatus(job.id, ["completed", "failed", "cancelled"], timeout: 180)
            #expect(done.status == "completed", "\(done.object)")
            let config = done.object["config"] as? [String: Any] ?? [:]
            #expect(config["model"] as? String == "dcgan" && config["g_channels"] as? Int == 16 && config["d_channels"] as? Int == 8, "\(config)")
            #expect((config["learning_rate"] as? Double).map { abs($0 - 2e-4) < 1e-9 } == true && config["beta1"] as? Double == 0.5, "\(config)")
            let quality = done.object["quality"] as? [String: Any] ?? [:]
            #expect(number(quality["fd"]).map { $0 > 0 } == true && number(quality["conditional_accuracy"]) != nil, "\(quality)")

            let all = try api.get("/v1/jobs/\(job.id)/samples?digits=all&columns=5&seed=4")
            #expect(all.status == 200 && all.header("Gantry-Epoch") == "2")
            let grid = try PGM(all.body)
            #expect(grid.width == PGM.side(cells: 5, pad: 2) && grid.height == PGM.side(cells: 10, pad: 2), "a row of five for each digit")
            #expect(Set(grid.pixels).count > 16, "a trained generator draws more than a few grey levels")
            let sevens = try api.get("/v1/jobs/\(job.id)/samples?digit=7&count=4&seed=4")
            #expect(sevens.status == 200 && sevens.body != all.body)
            #expect(try api.get("/v1/jobs/\(job.id)/samples?count=256").status == 200)

            let download = try api.get("/v1/jobs/\(job.id)/checkpoint")
            #expect(download.status == 200)
            let file = try CheckpointFile(download.body)
            #expect(file.version == 3 && file.kind == 1 && file.epochs == 2)
            #expect(file.generator.keys.contains("generator.2.running_mean"), "\(file.generator.keys.sorted())")

            #expect(f.daemon?.stop() == .exited(0))
            try f.restart()
            api = f.api
            #expect(try api.get("/v1/jobs/\(job.id)/samples?digits=all&columns=5&seed=4").body == all.body)
            #expect(try api.get("/v1/jobs/\(job.id)/samples?digit=7&count=4&seed=4").body == sevens.body)
            #expect(f.daemon?.stop() == .exited(0))
        }
    }
}
