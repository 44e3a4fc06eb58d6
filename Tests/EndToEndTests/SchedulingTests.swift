import Foundation
import Testing

extension EndToEndTests {
    @Test("with concurrent_jobs 1, two jobs run one after the other")
    func jobsRunOneAfterTheOther() throws {
        try Fixture.with("fifo") { f in
            try f.start(["concurrent_jobs": 1])
            let api = f.api
            let a = try api.createJob(["epochs": 2, "batch_size": 10, "seed": 1, "samples_per_epoch": 1])
            let b = try api.createJob(["epochs": 1, "batch_size": 50, "seed": 2, "samples_per_epoch": 1])
            #expect(listedJobs(try api.get("/v1/jobs")).map(\.id) == [b.id, a.id], "newest first")

            // Watch both until done: B never leaves the queue while A is unfinished,
            // and at most one job is ever running.
            let deadline = Date().addingTimeInterval(120)
            var sawBQueuedWhileARan = false
            while Date() < deadline {
                let jb = try api.job(b.id)   // B first: if B is already running, A must be finished by now
                let ja = try api.job(a.id)
                if !ja.isFinished {
                    #expect(jb.status == "queued", "B is \(jb.status) while A is \(ja.status)")
                    if ja.status == "running" && jb.status == "queued" { sawBQueuedWhileARan = true }
                }
                let running = listedJobs(try api.get("/v1/jobs?status=running"))
                #expect(running.count <= 1, "running at once: \(running.map(\.id))")
                if ja.isFinished && jb.isFinished { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(sawBQueuedWhileARan)
            let ja = try api.job(a.id), jb = try api.job(b.id)
            #expect(ja.status == "completed" && jb.status == "completed", "A \(ja.status), B \(jb.status)")
            let aFinished = try #require(ja.finishedAt, "A finished_at: \(ja.object["finished_at"] ?? "missing")")
            let bStarted = try #require(jb.startedAt, "B started_at: \(jb.object["started_at"] ?? "missing")")
            #expect(aFinished <= bStarted, "A finished \(ja.object["finished_at"]!), B started \(jb.object["started_at"]!)")
            #expect(try #require(ja.startedAt) < bStarted)
        }
    }

    @Test("cancel a queued and a running job; the running one keeps what it learned; the queue is bounded")
    func cancelQueuedAndRunning() throws {
        try Fixture.with("cancel") { f in
            try f.start(["concurrent_jobs": 1, "max_queued_jobs": 2])
            let api = f.api
            let long = try api.createJob(["epochs": 1000, "batch_size": 10, "seed": 3, "samples_per_epoch": 4])
            let running = try api.waitFor(long.id, timeout: 60, what: "running with an epoch done") {
                $0.status == "running" && $0.epoch >= 1
            }
            #expect(running.startedAt != nil)
            // progress.epoch ≥ 1 is the promise that samples exist (409 is only for "no completed epoch").
            let first = try api.get("/v1/jobs/\(long.id)/samples?seed=1")
            #expect(first.status == 200, "samples as soon as progress.epoch is \(running.epoch): \(first)")
            let queued = try api.createJob(["epochs": 1, "seed": 4])
            #expect(try api.job(queued.id).status == "queued")

            // Nothing to sample yet, and neither can be deleted while live.
            let early = try api.get("/v1/jobs/\(queued.id)/samples")
            #expect(early.status == 409, "samples of a queued job: \(early)")
            #expect(try api.delete("/v1/jobs/\(long.id)").status == 409)
            #expect(try api.delete("/v1/jobs/\(queued.id)").status == 409)

            // The queue holds max_queued_jobs (one is queued, the other trains): exactly one
            // more is admitted, and the next POST is 429 queue_full.
            var extra: [String] = []
            var refused: Response?
            for seed in 10..<13 {
                let r = try api.post("/v1/jobs", json: ["epochs": 1, "seed": seed])
                if r.status == 201, let object = r.object { extra.append(Job(object).id); continue }
                refused = r
                break
            }
            #expect(extra.count == 1, "max_queued_jobs 2 with one queued job admits exactly one more; admitted \(extra.count)")
            #expect(refused.map { $0.status == 429 && $0.errorCode == "queue_full" && isJSON($0) } == true, "\(refused.map(\.description) ?? "no refusal")")

            // Cancel the queued one: immediate.
            let c1 = try api.post("/v1/jobs/\(queued.id)/cancel")
            #expect(c1.status == 200, "\(c1)")
            #expect(Job(c1.object ?? [:]).status == "cancelled", "\(c1)")
            for id in extra { _ = try api.post("/v1/jobs/\(id)/cancel") }

            // Cancel the running one: within a training step or so.
            let cancelAt = Date()
            let c2 = try api.post("/v1/jobs/\(long.id)/cancel")
            #expect(c2.status == 200, "\(c2)")
            #expect(["running", "cancelled"].contains(Job(c2.object ?? [:]).status), "\(c2)")
            let stopped = try api.waitForStatus(long.id, ["cancelled", "completed", "failed"], timeout: 10)
            #expect(stopped.status == "cancelled")
            // Measured under load: 0.01 s.
            #expect(Date().timeIntervalSince(cancelAt) < 5, "cancel took \(Date().timeIntervalSince(cancelAt)) s")
            #expect(stopped.finishedAt != nil)
            #expect(stopped.epoch >= 1 && stopped.epoch < 1000)

            // It keeps what it learned: losses, samples, the checkpoint; at once, since
            // its status says it is finished with progress.epoch ≥ 1...
            let losses = try api.get("/v1/jobs/\(long.id)/losses")
            let records = losses.object?["epochs"] as? [[String: Any]] ?? []
            #expect(epochNumbers(records) == Array(1...max(stopped.epoch, 1)), "\(losses)")
            let samples = try api.get("/v1/jobs/\(long.id)/samples?seed=1")
            #expect(samples.status == 200, "samples of a cancelled job with \(stopped.epoch) epochs: \(samples)")
            let checkpoint = try api.get("/v1/jobs/\(long.id)/checkpoint")
            #expect(checkpoint.status == 200 && Array(checkpoint.body.prefix(8)) == Array("GANTRYCK".utf8), "\(checkpoint)")
            // ...and certainly a moment later.
            let keptSamples = try eventually(timeout: 10) { try api.get("/v1/jobs/\(long.id)/samples?seed=1").status == 200 }
            #expect(keptSamples, "a cancelled job with \(stopped.epoch) epochs never serves samples")
            let keptCheckpoint = try eventually(timeout: 10) {
                let r = try api.get("/v1/jobs/\(long.id)/checkpoint")
                return r.status == 200 && Array(r.body.prefix(8)) == Array("GANTRYCK".utf8)
            }
            #expect(keptCheckpoint, "a cancelled job with \(stopped.epoch) epochs never serves its checkpoint")

            // The queued one never ran.
            let never = try api.job(queued.id)
            #expect(never.status == "cancelled" && never.epoch == 0, "\(never.object)")
            #expect(try api.get("/v1/jobs/\(queued.id)/samples").status == 409)

            // Cancelling a finished job changes nothing.
            let again = try api.post("/v1/jobs/\(long.id)/cancel")
            #expect(again.status == 200, "\(again)")
            #expect(try api.job(long.id).status == "cancelled")

            // Finished jobs can be deleted; the scheduler still runs new work.
            #expect(try api.delete("/v1/jobs/\(queued.id)").status == 204)
            let deleted = try api.delete("/v1/jobs/\(long.id)")
            #expect(deleted.status == 204, "\(deleted)")

            // Cancel, then delete at once: a cancelled job is finished, so 204.
            let another = try api.createJob(["epochs": 1000, "batch_size": 10, "seed": 5, "samples_per_epoch": 1])
            try api.waitFor(another.id, timeout: 60, what: "running") { $0.status == "running" && $0.step > 0 }
            #expect(try api.post("/v1/jobs/\(another.id)/cancel").status == 200)
            let deleteAtOnce = try api.delete("/v1/jobs/\(another.id)")
            #expect(deleteAtOnce.status == 204, "DELETE right after cancel: \(deleteAtOnce)")
            if deleteAtOnce.status != 204 {
                #expect(try eventually(timeout: 10) { try api.delete("/v1/jobs/\(another.id)").status == 204 })
            }

            // The scheduler still runs new work.
            let next = try api.createJob(tinyJob)
            #expect(try api.waitForStatus(next.id, ["completed", "failed", "cancelled"], timeout: 60).status == "completed")
        }
    }
}
