import Foundation
import GantryTestSupport
import Testing

extension EndToEndTests {
    /// A job that would write about 2 GB (10,000 epochs of 256 samples) is refused at the
    /// door by the default 1 GiB `disk_budget_bytes`; nothing is queued or written.
    @Test("a job whose disk estimate is over disk_budget_bytes (10,000 epochs × 256 samples ≈ 1.9 GiB against 1 GiB) is a 403 over_budget naming the key; nothing is queued; a smaller one is taken")
    func aJobOverTheDiskBudgetIsRefused() throws {
        try Fixture.with("diskbudget") { f in
            try f.start()
            let api = f.api
            let refused = try api.post("/v1/jobs", json: ["epochs": 10_000, "samples_per_epoch": 256, "eval_every": 0])
            #expect(refused.status == 403 && refused.errorCode == "over_budget", "\(refused)")
            let message = refused.errorMessage ?? ""
            #expect(message.contains("disk_budget_bytes") && message.contains("1941 MiB") && message.contains("1024 MiB"), "\(message)")
            let list = try api.get("/v1/jobs")
            #expect(list.status == 200 && listedJobs(list).isEmpty, "a refused job was queued: \(list.text)")
            let jobs = f.stateDir.appendingPathComponent("jobs")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: jobs.path)) ?? []).isEmpty, "a refused job has a folder")
            let taken = try api.createJob(["epochs": 2, "samples_per_epoch": 256, "g_hidden": 8, "d_hidden": 8, "eval_every": 0])
            #expect(try api.waitForStatus(taken.id, ["completed", "failed"], timeout: 60).status == "completed")
            #expect(f.daemon?.stop(grace: 10) == .exited(0))
        }
    }

    /// The free space counts what unfinished jobs may still write: on a 200 MiB state
    /// folder one ~120 MiB job fits, a second does not while the first may still write,
    /// and does once the first is cancelled.
    @Test("with the state folder on a 200 MiB tmpfs: a 120 MiB job is admitted, a second is a 507 insufficient_storage giving the figures while the first runs (nothing queued), a small one fits beside it, and the second is admitted once the first is cancelled",
          .needs(Fixture.tmpfsNeed, Fixture.tmpfsAvailable))
    func aJobThatDoesNotFitTheFreeSpaceIsRefused() throws {
        try requireResource(Fixture.tmpfsNeed, Fixture.tmpfsAvailable)
        try Fixture.with("diskfree") { f in
            let small = try f.startOnTmpfs(size: "200m")
            let api = f.api
            // 10,000 epochs of one sample and two 2,048-unit networks: ~28 MB of epochs and
            // two copies each of a 41 MB checkpoint and a 7 MB generator, ~120 MiB in all.
            let a = try api.createJob(Self.endlessJob)
            try api.waitFor(a.id, timeout: 60, what: "training") { $0.progress["phase"] as? String == "training" }
            var second = Self.endlessJob
            second["seed"] = 2
            let refused = try api.post("/v1/jobs", json: second)
            #expect(refused.status == 507 && refused.errorCode == "insufficient_storage", "\(refused)")
            #expect(refused.header("Retry-After") == nil, "\(refused)")
            let message = refused.errorMessage ?? ""
            #expect(message.contains("up to 121 MiB") && message.contains("MiB free") && message.contains("1 queued or running job(s) may still write"),
                    "\(message)")
            #expect(!message.contains(small.path), "the refusal shows the state folder's path: \(message)")
            let list = try api.get("/v1/jobs")
            #expect(listedJobs(list).map(\.id) == [a.id], "the refused job was queued: \(list.text)")

            let tiny = try api.createJob(tinyJob)
            #expect(try api.post("/v1/jobs/\(a.id)/cancel").status == 200)
            #expect(try api.waitForStatus(a.id, ["cancelled"], timeout: 30).status == "cancelled")
            #expect(try api.waitForStatus(tiny.id, ["completed", "failed"], timeout: 60).status == "completed")
            let admitted = try api.post("/v1/jobs", json: second)
            #expect(admitted.status == 201, "once the first job is cancelled: \(admitted)")
            let health = try api.get("/healthz")
            #expect(health.status == 200, "\(health)")
            #expect(f.daemon?.stop(grace: 10) == .exited(0))
        }
    }
}
