import Foundation
import GantryTestSupport
import Testing

/// The job list's pages and the retention of finished jobs, on the real binary.
extension EndToEndTests {
    @Test("GET /v1/jobs pages newest first through next_cursor: 230 jobs walked 100 at a time show each job that stayed once, while jobs are created and deleted between pages; a bad limit or a malformed cursor is a 400 naming it, an edited one a 404")
    func theJobListPagesWithACursor() throws {
        try Fixture.with("jobpages") { f in
            try f.start(["max_queued_jobs": 10])
            let api = f.api
            // Created and cancelled one by one, as the attack that grew the list did.
            var created: [String] = []
            for _ in 0..<230 {
                let job = try api.createJob(["epochs": 1000, "eval_every": 0, "samples_per_epoch": 1])
                #expect(try api.post("/v1/jobs/\(job.id)/cancel").status == 200)
                created.append(job.id)
            }
            let newestFirst = Array(created.reversed())
            let first = try api.get("/v1/jobs")
            #expect(first.status == 200 && listedJobs(first).map(\.id) == Array(newestFirst[0..<100]), "the default limit is 100")
            #expect(first.object?["next_cursor"] is String)

            var shown: [String] = []
            var deleted: Set<String> = []
            var pageSizes: [Int] = []
            var cursor: String?
            repeat {
                let query = "/v1/jobs?limit=100" + (cursor.map { "&cursor=\($0)" } ?? "")
                let r = try api.get(query)
                #expect(r.status == 200, "\(query) → \(r)")
                let ids = listedJobs(r).map(\.id)
                shown += ids
                pageSizes.append(ids.count)
                cursor = r.object?["next_cursor"] as? String
                #expect(cursor != nil || r.object?["next_cursor"] is NSNull, "next_cursor is present, null on the last page")
                // Between pages: a new job, and a delete of one not shown yet.
                let newer = try api.createJob(["epochs": 1000, "eval_every": 0, "samples_per_epoch": 1])
                _ = try api.post("/v1/jobs/\(newer.id)/cancel")
                if let last = ids.last, let position = newestFirst.firstIndex(of: last), position + 3 < newestFirst.count {
                    let victim = newestFirst[position + 3]
                    #expect(try api.delete("/v1/jobs/\(victim)").status == 204)
                    deleted.insert(victim)
                }
            } while cursor != nil && pageSizes.count < 10
            #expect(shown == newestFirst.filter { !deleted.contains($0) }, "each job that stayed, once, newest first")
            #expect(pageSizes == [100, 100, 28] && deleted.count == 2)

            let cancelled = try api.get("/v1/jobs?status=cancelled&limit=5")
            #expect(listedJobs(cancelled).count == 5 && listedJobs(cancelled).allSatisfy { $0.status == "cancelled" })
            let next = try #require(cancelled.object?["next_cursor"] as? String)
            let second = try api.get("/v1/jobs?status=cancelled&limit=5&cursor=\(next)")
            #expect(listedJobs(second).count == 5 && Set(listedJobs(second).map(\.id)).isDisjoint(with: listedJobs(cancelled).map(\.id)))

            for limit in ["0", "1001", "-1", "ten", "1.5"] {
                let r = try api.get("/v1/jobs?limit=\(limit)")
                #expect(r.status == 400 && r.errorCode == "invalid_parameter" && r.errorMessage?.contains("limit") == true, "limit=\(limit) → \(r)")
            }
            // One character changed anywhere in a real cursor, garbage, and the empty string.
            var edited = Array(next)
            edited[5] = edited[5] == "A" ? "B" : "A"
            // Not a cursor's shape: a 400. A cursor's shape the server never gave names no page: a 404.
            for bad in [String(next.dropLast()), next + "A", "abc", "AAAAAAAAAAAAAAAA+/", ""] {
                let r = try api.get("/v1/jobs?cursor=\(bad)")
                #expect(r.status == 400 && r.errorCode == "invalid_parameter" && r.errorMessage?.contains("cursor") == true, "cursor=\(bad) → \(r)")
            }
            for unknown in [String(edited), "AAAAAAAAAAAAAAAAAA", "000000000000000000"] {
                let r = try api.get("/v1/jobs?cursor=\(unknown)")
                #expect(r.status == 404 && r.errorCode == "not_found" && r.errorMessage?.contains("cursor") == true, "cursor=\(unknown) → \(r)")
            }
        }
    }

    @Test("retain_finished_jobs: 2 keeps the two jobs that finished last; older finished jobs go with their folders, queued and running ones stay")
    func retentionDeletesTheOldestFinishedJobs() throws {
        try Fixture.with("retention") { f in
            try f.start(["retain_finished_jobs": 2])
            let api = f.api
            func folder(_ id: String) -> String { f.stateDir.appendingPathComponent("jobs/\(id)").path }
            func waitGone(_ id: String) throws {
                let deadline = Date().addingTimeInterval(30)
                while try api.get("/v1/jobs/\(id)").status != 404 {
                    guard Date() < deadline else { throw HTTPClientError("job \(id) was not deleted by retention within 30 s") }
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
            var finished: [String] = []
            for seed in 1...3 {
                let job = try api.createJob(tinyJob.merging(["seed": seed, "eval_every": 0]) { $1 })
                #expect(try api.waitForStatus(job.id, ["completed", "failed"], timeout: 120).status == "completed")
                finished.append(job.id)
            }
            try waitGone(finished[0])
            #expect(!FileManager.default.fileExists(atPath: folder(finished[0])), "the oldest finished job's folder went with it")
            for id in finished[1...] {
                #expect(try api.get("/v1/jobs/\(id)").status == 200 && FileManager.default.fileExists(atPath: folder(id)))
            }

            // A long job runs, two wait behind it; one of those is cancelled, which
            // makes it the newest finish: the older of the two completed ones goes.
            let running = try api.createJob(["epochs": 10000, "eval_every": 0, "samples_per_epoch": 1])
            try api.waitForStatus(running.id, ["running"], timeout: 120)
            let queued = try api.createJob(tinyJob)
            let cancelled = try api.createJob(tinyJob)
            #expect(try api.post("/v1/jobs/\(cancelled.id)/cancel").status == 200)
            try waitGone(finished[1])
            #expect(!FileManager.default.fileExists(atPath: folder(finished[1])))
            #expect(listedJobs(try api.get("/v1/jobs")).map(\.id) == [cancelled.id, queued.id, running.id, finished[2]])
            #expect(try api.job(running.id).status == "running")
            #expect(try api.job(queued.id).status == "queued")
            #expect(FileManager.default.fileExists(atPath: folder(running.id)) && FileManager.default.fileExists(atPath: folder(finished[2])))

            // After a restart, the sweep at start finds nothing more to delete.
            _ = f.daemon?.stop()
            try f.restart()
            #expect(Set(listedJobs(try f.api.get("/v1/jobs")).map(\.id)) == [cancelled.id, queued.id, running.id, finished[2]])
        }
    }
}
