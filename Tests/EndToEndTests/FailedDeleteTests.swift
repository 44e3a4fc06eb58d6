import Foundation
import GantryTestSupport
import Testing

extension EndToEndTests {
    @Test("a DELETE refused on a full disk leaves the job whole (samples, checkpoint, progression answer 200); once space returns a retry deletes it and a restart finds no row or folder left",
          .needs(Fixture.tmpfsNeed, Fixture.tmpfsAvailable))
    func aRefusedDeleteLosesNothing() throws {
        try requireResource(Fixture.tmpfsNeed, Fixture.tmpfsAvailable)
        try Fixture.with("faileddelete") { f in
            let small = try f.startOnTmpfs(size: "6m")
            let api = f.api
            let job = try api.createJob(["epochs": 2, "g_hidden": 8, "d_hidden": 8, "samples_per_epoch": 1, "eval_every": 0, "seed": 4])
            #expect(try api.waitForStatus(job.id, ["completed", "failed"], timeout: 60).status == "completed")
            let reads = ["/v1/jobs/\(job.id)", "/v1/jobs/\(job.id)/samples", "/v1/jobs/\(job.id)/checkpoint",
                         "/v1/jobs/\(job.id)/progression", "/v1/jobs/\(job.id)/epochs/1/samples"]
            for path in reads { #expect(try api.get(path).status == 200, "before: \(path)") }

            let filler = small.appendingPathComponent("filler")
            _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
            let handle = try FileHandle(forWritingTo: filler)
            while (try? handle.write(contentsOf: Data(count: 4096))) != nil {}
            try? handle.close()
            let refused = try api.delete("/v1/jobs/\(job.id)")
            #expect(refused.status == 503, "DELETE on a full disk: \(refused)")
            for path in reads {
                let r = try api.get(path)
                #expect(r.status == 200, "after a refused DELETE: \(path) → \(r)")
            }

            try FileManager.default.removeItem(at: filler)
            let retried = try api.delete("/v1/jobs/\(job.id)")
            #expect(retried.status == 204, "DELETE once space is back: \(retried)")
            #expect(f.daemon?.stop(grace: 10) == .exited(0))
            try f.restart()
            #expect(try f.api.get("/v1/jobs/\(job.id)").status == 404)
            let left = try FileManager.default.contentsOfDirectory(atPath: small.appendingPathComponent("jobs").path)
            #expect(!left.contains { $0.contains(job.id) }, "left in jobs/: \(left)")
        }
    }

    @Test("a delete interrupted by a stop (its folder retired, its row kept) is finished by the next start: no row, no folder")
    func anInterruptedDeleteIsFinishedAtStart() throws {
        try Fixture.with("interrupteddelete") { f in
            try f.start()
            let job = try f.api.createJob(["epochs": 1, "g_hidden": 8, "d_hidden": 8, "samples_per_epoch": 1, "eval_every": 0, "seed": 5])
            #expect(try f.api.waitForStatus(job.id, ["completed", "failed"], timeout: 60).status == "completed")
            #expect(f.daemon?.stop(grace: 10) == .exited(0))
            // What a stop between the folder's retirement and the database's forget leaves.
            let jobs = f.stateDir.appendingPathComponent("jobs")
            try FileManager.default.moveItem(at: jobs.appendingPathComponent(job.id), to: jobs.appendingPathComponent(".deleting-\(job.id)"))
            try f.restart()
            let shown = try f.api.get("/v1/jobs/\(job.id)")
            #expect(shown.status == 404, "after the restart: \(shown)")
            let left = try FileManager.default.contentsOfDirectory(atPath: jobs.path)
            #expect(!left.contains { $0.contains(job.id) }, "left in jobs/: \(left)")
        }
    }

    @Test("DELETE on an immutable state folder (chattr -R +i) answers 503 saying what to do and keeps the job; after chattr -R -i it deletes (204)",
          .needs(Fixture.ext4Need, Fixture.ext4Available))
    func aDeleteOnAReadOnlyStateFolderIs503() throws {
        try requireResource(Fixture.ext4Need, Fixture.ext4Available)
        try Fixture.with("deletero") { f in
            let state = f.root.appendingPathComponent("ext4-state")
            try f.mountExt4(at: state, megabytes: 64)
            f.stateDir = state
            try f.start()
            let api = f.api
            let job = try api.createJob(["epochs": 1, "g_hidden": 8, "d_hidden": 8, "samples_per_epoch": 1, "eval_every": 0, "seed": 6])
            #expect(try api.waitForStatus(job.id, ["completed", "failed"], timeout: 60).status == "completed")
            #expect(Fixture.run("/usr/bin/chattr", ["-R", "+i", state.path]) == 0)
            defer { Fixture.run("/usr/bin/chattr", ["-R", "-i", state.path]) }
            let refused = try api.delete("/v1/jobs/\(job.id)")
            #expect(refused.status == 503 && refused.header("Retry-After") != nil, "DELETE on a read-only state folder: \(refused)")
            #expect(refused.errorMessage?.contains("writable") == true && !refused.text.contains("/ext4-state/"), "\(refused)")
            #expect(try api.get("/v1/jobs/\(job.id)/checkpoint").status == 200)
            #expect(Fixture.run("/usr/bin/chattr", ["-R", "-i", state.path]) == 0)
            let retried = try api.delete("/v1/jobs/\(job.id)")
            #expect(retried.status == 204, "DELETE once writable: \(retried)")
        }
    }
}
