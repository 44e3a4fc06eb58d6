import Foundation
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEndTests {
    /// 80 steps an epoch on mnist5k's 4,000 training images, with wider layers so that
    /// an epoch lasts long enough (about a second) for a poll to catch it under way even
    /// on a busy machine, where request threads wait behind the training thread. A batch
    /// of 50 rows is split between two lanes (24 + 26), so resuming on two lanes splits
    /// every product.
    static var resumableJob: [String: Any] {
        ["epochs": 6, "batch_size": 50, "g_hidden": 384, "d_hidden": 384, "seed": 20_240_601, "samples_per_epoch": 4]
    }

    /// The default kernels, then one OpenBLAS core of each tier this CPU runs, forced;
    /// and the improved conditional model (dropout masks, fake digits and the averaged
    /// generator all carried across the kill) and the conditional dcgan model (BatchNorm's
    /// running statistics, the average, a version 3 checkpoint) on the default kernels.
    /// Lanes against one lane for every model on every core: `lanesGiveTheSameBitsOnEveryCore`.
    static let killNineCases: [(core: String, model: String)] = [("", "notebook")]
        + BLASCoreTests.cores.filter { $0.needs.allSatisfy(BLASCoreTests.flags.contains) }.map { ($0.names[0], "notebook") }
        + [("", "improved, conditional"), ("", "dcgan, conditional")]

    @Test("kill -9 during epoch 3 of 6, restart on two lanes: the job resumes, has epochs 1–6 once each, and ends with an uninterrupted one-lane run's generator",
          arguments: killNineCases)
    func killNineResumes(core: String, model: String) throws {
        if !core.isEmpty {
            // A core this OpenBLAS does not offer is not forced (it would load another).
            let loaded = try BLASCoreTests.report(environment: ["OPENBLAS_CORETYPE": core])["core"] as? String
            guard loaded == core else { try missingResource("OpenBLAS's \(core) kernels (it loaded \(loaded ?? "none") instead)") }
        }
        try Fixture.with("kill9") { f in
            try f.start(["blas_threads": 1, "concurrent_jobs": 1], environment: core.isEmpty ? [:] : ["OPENBLAS_CORETYPE": core])
            var api = f.api
            // The reference runs first; the victim waits in the queue behind it.
            var spec = Self.resumableJob
            switch model {
            case "improved, conditional": spec.merge(["model": "improved", "conditional": true, "g_hidden": 256, "d_hidden": 256]) { $1 }
            case "dcgan, conditional":
                spec = spec.filter { !["g_hidden", "d_hidden"].contains($0.key) }
                spec.merge(["model": "dcgan", "conditional": true, "g_channels": 16, "d_channels": 8]) { $1 }
            default: break
            }
            let reference = try api.createJob(spec)
            let victim = try api.createJob(spec)
            let (referenceLosses, referenceStatus) = try api.followLosses(reference.id, timeout: 120)
            #expect(referenceStatus == "completed")
            #expect(epochNumbers(referenceLosses) == Array(1...6))
            let referenceCheckpoint = try api.get("/v1/jobs/\(reference.id)/checkpoint")
            #expect(referenceCheckpoint.status == 200)

            // Kill it the moment its second epoch is recorded: a long-poll is woken by the
            // record itself, so the kill lands early in epoch 3 even on a busy machine
            // (a plain poll can be starved past a whole epoch there).
            let second = try api.get("/v1/jobs/\(victim.id)/losses?since=1&wait=60")
            let daemon = try #require(f.daemon)
            #expect(daemon.killNow() == .signalled(SIGKILL))
            let seen = (second.object?["epochs"] as? [[String: Any]] ?? []).compactMap { $0["epoch"] as? Int }
            #expect(seen.first == 2, "the long-poll answered with epochs \(seen); wanted epoch 2 first")
            let epochsAtKill = 2

            // The resumed epochs run split across two lanes: lanes do not change a bit.
            try f.restart(environment: ["GANTRY_BLAS_THREADS": "2"])
            api = f.api
            let resumed = try api.job(victim.id)
            #expect(["running", "queued", "downloading", "completed"].contains(resumed.status), "\(resumed.object)")
            #expect(resumed.epoch >= epochsAtKill, "after restart the job is at epoch \(resumed.epoch); it had \(epochsAtKill) done")
            #expect(try api.job(reference.id).status == "completed", "a finished job stays finished across restarts")

            let (losses, status) = try api.followLosses(victim.id, timeout: 120)
            let final = try api.job(victim.id)
            #expect(status == "completed", "\(final.object)")
            #expect(epochNumbers(losses) == Array(1...6), "each epoch exactly once: \(epochNumbers(losses))")
            // A second full read agrees (no duplicate rows hiding behind `since`).
            let all = try api.get("/v1/jobs/\(victim.id)/losses").object?["epochs"] as? [[String: Any]] ?? []
            #expect(epochNumbers(all) == Array(1...6))
            // Same seed: the same losses epoch by epoch...
            for (mine, theirs) in zip(all, referenceLosses) {
                for key in ["d_loss", "g_loss", "d_real_mean", "d_fake_mean"] {
                    #expect(number(mine[key]) == number(theirs[key]), "epoch \(mine["epoch"] ?? "?") \(key): \(mine[key] ?? "nil") vs uninterrupted \(theirs[key] ?? "nil")")
                }
            }
            // ...and the same generator, byte for byte.
            let checkpoint = try api.get("/v1/jobs/\(victim.id)/checkpoint")
            #expect(checkpoint.status == 200)
            try CheckpointFile(checkpoint.body).expectSameGenerator(as: CheckpointFile(referenceCheckpoint.body), epochs: 6)
            // The grid recorded before the kill survived it.
            #expect(try api.get("/v1/jobs/\(victim.id)/epochs/2/samples").status == 200)
            #expect(f.daemon?.stop() == .exited(0))
        }
    }

    @Test("SIGTERM mid-job: exit 0 within 10 s; after a restart the job resumes and the queued one runs")
    func sigtermResumes() throws {
        try Fixture.with("sigterm") { f in
            try f.start(["concurrent_jobs": 1])
            var api = f.api
            let job = try api.createJob(["epochs": 4, "batch_size": 10, "seed": 5, "samples_per_epoch": 1])
            let queued = try api.createJob(tinyJob)
            let midway = try api.waitFor(job.id, timeout: 120, every: 0.01, what: "running after epoch 1") {
                $0.status == "running" && $0.epoch >= 1 && $0.step > 0
            }
            let daemon = try #require(f.daemon)
            let start = Date()
            daemon.signal(SIGTERM)
            let exit = daemon.waitForExit(timeout: 12)
            let took = Date().timeIntervalSince(start)
            #expect(exit == .exited(0), "SIGTERM → \(exit.map(\.description) ?? "still running after 12 s")")
            // The documented bound; measured under load: 0.01–0.06 s.
            #expect(took < 10, "SIGTERM took \(took) s")
            if exit == nil { daemon.killNow() }

            try f.restart()
            api = f.api
            let resumed = try api.job(job.id)
            #expect(!["failed", "cancelled"].contains(resumed.status), "\(resumed.object)")
            #expect(resumed.epoch >= midway.epoch, "resumed at epoch \(resumed.epoch), had \(midway.epoch) done")
            let (losses, status) = try api.followLosses(job.id, timeout: 120)
            #expect(status == "completed")
            #expect(epochNumbers(losses) == Array(1...4))
            #expect(try api.waitForStatus(queued.id, ["completed", "failed", "cancelled"], timeout: 60).status == "completed")
            #expect(f.daemon?.stop() == .exited(0))
        }
    }

    @Test("a state folder that runs out of space fails that job with a readable error; the daemon goes on",
          .needs(Fixture.tmpfsNeed, Fixture.tmpfsAvailable))
    func diskFull() throws {
        try requireResource(Fixture.tmpfsNeed, Fixture.tmpfsAvailable)
        try Fixture.with("diskfull") { f in
            // The job is admitted to a disk that holds its estimate (~100 MB); once it trains
            // (its epochs take seconds at 2,048 hidden units) the disk shrinks to 6 MB, as
            // when another program fills it: enough for the dataset (0.8 MB) and the
            // database, not for the job's ~41 MB checkpoint.
            let small = try f.startOnTmpfs(size: "256m")
            let api = f.api
            let big = try api.createJob(["epochs": 2, "g_hidden": 2048, "d_hidden": 2048, "seed": 7, "samples_per_epoch": 1, "eval_every": 0])
            try api.waitFor(big.id, timeout: 60, what: "training") { $0.progress["phase"] as? String == "training" }
            try f.resizeTmpfs(at: small, size: "6m")
            let failed = try api.waitForStatus(big.id, ["completed", "failed", "cancelled"], timeout: 120)
            #expect(failed.status == "failed", "\(failed.object)")
            let message = failed.error ?? ""
            #expect(message.count >= 10, "error: \(failed.object["error"] ?? "missing")")
            #expect(!message.contains("Error Domain") && !message.contains("Optional("), "not readable: \(message)")
            #expect(message.lowercased().contains("space") || message.lowercased().contains("write"),
                    "the error should say what went wrong (no space / cannot write): \(message)")
            // What a client reads names no file of the server's layout; the log keeps the path.
            #expect(!message.contains(small.path) && !message.contains("/jobs/"), "the error shows the state folder's layout: \(message)")

            let health = try api.get("/healthz")
            #expect(health.status == 200 && health.object?["status"] as? String == "ok", "\(health)")
            #expect(try api.get("/v1/jobs").status == 200)
            // Other (small) jobs still train and their files fit.
            let small2 = try api.createJob(tinyJob)
            let after = try api.waitForStatus(small2.id, ["completed", "failed", "cancelled"], timeout: 60)
            #expect(after.status == "completed", "\(after.object)")
            #expect(try api.get("/v1/jobs/\(small2.id)/samples").status == 200)
            #expect(f.daemon?.stop() == .exited(0))
        }
    }

    @Test("auth on: no token 401, wrong token 401, right token 200; /healthz needs none")
    func bearerAuth() throws {
        try Fixture.with("auth") { f in
            let tokenFile = f.root.appendingPathComponent("token")
            let token = "s3cret-Token_0123456789"
            // As `echo TOKEN > file` writes it: with a trailing newline.
            try Data((token + "\n").utf8).write(to: tokenFile)
            try f.start(["auth_token_file": tokenFile.path])
            let open = API(port: f.port)

            #expect(try open.get("/healthz").status == 200)
            let none = try open.get("/v1/jobs")
            #expect(none.status == 401, "\(none)")
            #expect(isJSON(none), "\(none)")
            for header in ["Bearer wrong", "Bearer \(token)x", "Bearer \(token.dropLast())", "Basic \(Data(token.utf8).base64EncodedString())",
                           token, "Bearer", "Bearer  "] {
                let r = try open.get("/v1/jobs", headers: ["Authorization": header])
                #expect(r.status == 401, "Authorization: \(header) → \(r)")
            }
            let noTokenPost = try open.post("/v1/jobs", json: tinyJob)
            #expect(noTokenPost.status == 401, "\(noTokenPost)")

            let authed = API(port: f.port, token: token)
            let list = try authed.get("/v1/jobs")
            #expect(list.status == 200, "\(list)")
            #expect(listedJobs(list).isEmpty, "an unauthenticated POST must not create a job")
            let job = try authed.createJob(tinyJob)
            #expect(try open.get("/v1/jobs/\(job.id)").status == 401)
            #expect(try open.get("/v1/jobs/\(job.id)/losses").status == 401)
            #expect(try open.post("/v1/jobs/\(job.id)/cancel").status == 401)
            #expect(try open.delete("/v1/jobs/\(job.id)").status == 401)
            #expect(try authed.waitForStatus(job.id, ["completed", "failed", "cancelled"], timeout: 60).status == "completed")
            #expect(try authed.get("/v1/jobs/\(job.id)/samples").status == 200)
        }
    }
}
