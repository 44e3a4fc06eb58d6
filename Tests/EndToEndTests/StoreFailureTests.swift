import Foundation
import GantryTestSupport
import Testing

extension EndToEndTests {
    /// Times one request: the answer and how long it took.
    private func timed(_ request: () throws -> Response) throws -> (response: Response, seconds: Double) {
        let start = Date()
        let response = try request()
        return (response, Date().timeIntervalSince(start))
    }

    /// Writes zeros into `file` until the filesystem refuses (ENOSPC).
    private func fill(_ file: URL) throws {
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        let block = Data(count: 64 * 1024)
        while (try? handle.write(contentsOf: block)) != nil {}
    }

    /// A job whose epochs take seconds (2,048 hidden units): no epoch ends, and no write
    /// of its own fails it, while a test breaks the state folder under it.
    /// A refused write must not wait out SQLite's 5 s busy timeout (nor hang): 3 s holds
    /// that claim on a loaded 2-core machine, where single answers take a few hundred ms.
    static let answerBound = 3.0

    static var endlessJob: [String: Any] { ["epochs": 10_000, "g_hidden": 2048, "d_hidden": 2048, "eval_every": 0, "samples_per_epoch": 1, "seed": 1] }

    @Test("state folder full: cancel, delete, show, list, create, metrics and healthz each answer without waiting out SQLite's busy timeout, and each answer has its one right state behind it; the daemon recovers when space returns and stops on SIGTERM",
          .needs(Fixture.tmpfsNeed, Fixture.tmpfsAvailable))
    func aFailingStoreHangsNothing() throws {
        try requireResource(Fixture.tmpfsNeed, Fixture.tmpfsAvailable)
        try Fixture.with("storefull") { f in
            // Large enough that the three jobs are admitted (A's disk estimate is ~125 MB),
            // then shrunk to 4 MB under them.
            let small = try f.startOnTmpfs(size: "256m")
            let api = f.api
            // A's epochs take seconds (2,048 hidden units), so no epoch ends, and no write
            // fails it, while the disk is full and B, queued behind it, is cancelled.
            let a = try api.createJob(Self.endlessJob)
            try api.waitFor(a.id, timeout: 60, what: "training") { $0.progress["phase"] as? String == "training" }
            let b = try api.createJob(["epochs": 1, "eval_every": 0, "seed": 2])
            let c = try api.createJob(["epochs": 1, "eval_every": 0, "seed": 3])
            try f.resizeTmpfs(at: small, size: "4m")

            let filler = small.appendingPathComponent("filler")
            try fill(filler)
            /// Every part of the API a client uses, each answering within a second.
            func everythingAnswers(_ phase: String) throws {
                for (what, request) in [
                    ("GET a", { try api.get("/v1/jobs/\(a.id)") }), ("GET b", { try api.get("/v1/jobs/\(b.id)") }),
                    ("list", { try api.get("/v1/jobs") }), ("list running", { try api.get("/v1/jobs?status=running") }),
                    ("losses", { try api.get("/v1/jobs/\(a.id)/losses") }), ("metrics", { try api.get("/metrics") }),
                    ("healthz", { try api.get("/healthz") }),
                ] as [(String, () throws -> Response)] {
                    let (r, seconds) = try timed(request)
                    #expect(seconds < Self.answerBound, "\(phase): \(what) took \(seconds) s")
                    #expect(r.status == 200 || r.status == 503, "\(phase): \(what) → \(r)")
                    // A refusal's message is generic; a job's own error may name its files (it is the job's story).
                    #expect(!(r.errorMessage ?? "").contains("SQLite") && !(r.errorMessage ?? "").contains("/small-state/"),
                            "\(phase): \(what) leaks details: \(r.text)")
                    #expect(!r.text.contains("INSERT") && !r.text.contains("UPDATE"), "\(phase): \(what) shows SQL: \(r.text)")
                }
                // One status per job: the job itself, the filtered lists and /metrics agree.
                for id in [a.id, b.id] {
                    let one = try api.get("/v1/jobs/\(id)")
                    guard one.status == 200, let status = Job(one.object ?? [:]).status as String? else { continue }
                    for candidate in ["queued", "downloading", "running", "completed", "failed", "cancelled"] {
                        let list = try api.get("/v1/jobs?status=\(candidate)")
                        guard list.status == 200 else { continue }
                        #expect(listedJobs(list).contains { $0.id == id } == (candidate == status),
                                "\(phase): job \(id) is \(status) but ?status=\(candidate) lists \(listedJobs(list).map(\.id))")
                    }
                }
            }

            let (cancel, cancelSeconds) = try timed { try api.post("/v1/jobs/\(b.id)/cancel") }
            #expect(cancelSeconds < Self.answerBound, "cancel on a full disk took \(cancelSeconds) s")
            #expect([200, 503].contains(cancel.status), "\(cancel)")
            if cancel.status == 503 {
                #expect(cancel.errorCode == "store_unavailable" && cancel.header("Retry-After") != nil, "\(cancel)")
                #expect(cancel.errorMessage?.contains("request ") == true && !cancel.text.contains("SQLite"), "\(cancel)")
                // The id in the message is the response's X-Request-Id: a report finds the log line.
                let id = try #require(cancel.header("X-Request-Id"))
                #expect(cancel.errorMessage?.contains("(request \(id);") == true, "\(cancel)")
                #expect(f.daemon?.stderr.contains("request=\(id)") == true || f.daemon?.stdout.contains("request=\(id)") == true,
                        "the log names request \(id)")
            }
            // The cancel took effect whether or not the store could record it (shown once
            // the store can be read: reads may fail too while the disk is full).
            var shown: Job?
            _ = try eventually(timeout: 5) {
                let r = try api.get("/v1/jobs/\(b.id)")
                if r.status == 200, let object = r.object { shown = Job(object) }
                return shown != nil
            }
            #expect(shown?.status == "cancelled", "after \(cancel): \(shown?.object ?? [:])")
            try everythingAnswers("disk full")
            let (delete, deleteSeconds) = try timed { try api.delete("/v1/jobs/\(b.id)") }
            #expect(deleteSeconds < Self.answerBound && [204, 503].contains(delete.status), "DELETE on a full disk: \(delete) in \(deleteSeconds) s")
            // Whether SQLite finds room in its WAL decides the answer; each answer has one
            // right state behind it: 204 and the job is gone, 503 and it is as it was.
            let afterDelete = try api.get("/v1/jobs/\(b.id)")
            if delete.status == 204 {
                #expect(afterDelete.status == 404, "DELETE answered 204 but the job is \(afterDelete)")
            } else if afterDelete.status == 200 {
                #expect(Job(afterDelete.object ?? [:]).status == "cancelled", "DELETE answered 503 but the job is \(afterDelete.text)")
            }
            let jobsBefore = try api.get("/v1/jobs")
            let (create, createSeconds) = try timed { try api.post("/v1/jobs", json: ["epochs": 1]) }
            // 507: the free space does not hold the job's disk estimate (the usual answer);
            // 503: the store could not be read to count what the queued jobs may write.
            #expect(createSeconds < Self.answerBound && [507, 503].contains(create.status), "POST on a full disk: \(create) in \(createSeconds) s")
            if create.status == 507 { #expect(create.errorCode == "insufficient_storage", "\(create)") }
            let jobsAfter = try api.get("/v1/jobs")
            if jobsBefore.status == 200 && jobsAfter.status == 200 {
                #expect(listedJobs(jobsAfter).count == listedJobs(jobsBefore).count,
                        "POST answered \(create.status): \(listedJobs(jobsBefore).count) jobs before, \(listedJobs(jobsAfter).count) after")
            }
            try everythingAnswers("after the refusals")

            try FileManager.default.removeItem(at: filler)
            // (A read-only remount is refused while the database is open for writing, so an
            // I/O error is exercised by the unit tests' failing store instead.)
            let cancelC = try api.post("/v1/jobs/\(c.id)/cancel")
            #expect(cancelC.status == 200 && ["cancelled", "failed"].contains(cancelC.object?["status"] as? String ?? ""), "\(cancelC)")

            // A could not write its first checkpoint (tens of MB on the disk shrunk to 4 MB): it failed,
            // shows no epoch it cannot sample, and sampling says why.
            let failedA = try api.waitForStatus(a.id, ["failed"], timeout: 120)
            #expect(failedA.epoch == 0, "\(failedA.object)")
            let samplesA = try api.get("/v1/jobs/\(a.id)/samples")
            #expect(samplesA.status == 409 && samplesA.errorCode == "no_generator", "\(samplesA)")

            // Space is back: new jobs train, the API is whole.
            let tiny = try api.createJob(tinyJob)
            #expect(try api.waitForStatus(tiny.id, ["completed", "failed"], timeout: 60).status == "completed")
            try everythingAnswers("recovered")
            let (health, _) = try timed { try api.get("/healthz") }
            #expect(health.status == 200 && health.object?["status"] as? String == "ok", "\(health)")
            let stopped = Date()
            #expect(f.daemon?.stop(grace: 10) == .exited(0))
            #expect(Date().timeIntervalSince(stopped) < 10)
        }
    }

    @Test("state folder made immutable (chattr -R +i): cancel, show, list, create, metrics and healthz each answer within a second; all is well after chattr -R -i",
          .needs(Fixture.ext4Need, Fixture.ext4Available))
    func anImmutableStateFolderHangsNothing() throws {
        try requireResource(Fixture.ext4Need, Fixture.ext4Available)
        try Fixture.with("storero") { f in
            let state = f.root.appendingPathComponent("ext4-state")
            // Room for the endless job's disk estimate (~125 MB) beside the small one's.
            try f.mountExt4(at: state, megabytes: 256)
            f.stateDir = state
            try f.start()
            let api = f.api
            let a = try api.createJob(Self.endlessJob)
            try api.waitFor(a.id, timeout: 60, what: "training") { $0.progress["phase"] as? String == "training" }
            let b = try api.createJob(["epochs": 1, "eval_every": 0, "seed": 2])
            #expect(Fixture.run("/usr/bin/chattr", ["-R", "+i", state.path]) == 0)
            defer { Fixture.run("/usr/bin/chattr", ["-R", "-i", state.path]) }
            for (what, request) in [
                ("cancel b", { try api.post("/v1/jobs/\(b.id)/cancel") }), ("GET a", { try api.get("/v1/jobs/\(a.id)") }),
                ("GET b", { try api.get("/v1/jobs/\(b.id)") }), ("list", { try api.get("/v1/jobs") }),
                ("create", { try api.post("/v1/jobs", json: ["epochs": 1]) }), ("metrics", { try api.get("/metrics") }),
                ("healthz", { try api.get("/healthz") }), ("cancel a", { try api.post("/v1/jobs/\(a.id)/cancel") }),
                ("GET a again", { try api.get("/v1/jobs/\(a.id)") }),
            ] as [(String, () throws -> Response)] {
                let (r, seconds) = try timed(request)
                #expect(seconds < Self.answerBound, "read-only: \(what) took \(seconds) s")
                #expect(r.status < 500 || r.status == 503, "read-only: \(what) → \(r)")
                #expect(!(r.errorMessage ?? "").contains("SQLite"), "read-only: \(what) leaks details: \(r.text)")
            }
            #expect(try api.job(b.id).status == "cancelled")
            #expect(Fixture.run("/usr/bin/chattr", ["-R", "-i", state.path]) == 0)
            let tiny = try api.createJob(tinyJob)
            #expect(try api.waitForStatus(tiny.id, ["completed", "failed"], timeout: 60).status == "completed")
            #expect(f.daemon?.stop(grace: 10) == .exited(0))
        }
    }
}
