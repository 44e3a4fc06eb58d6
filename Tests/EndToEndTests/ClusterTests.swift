import Foundation
import GantryTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEndTests {
    /// Cluster mode, end to end: several real `gantry serve` daemons ("nodes"), each with
    /// its own state folder and port, sharing one real throwaway PostgreSQL
    /// (`ClusterFixture`). Nodes claim jobs with leases (`lease_seconds`, short here so
    /// that a lapse takes seconds), any node answers for any job, and a job whose node
    /// dies, stalls past its lease or loses the database is finished, each epoch once.
    /// Nested in `EndToEndTests`, so it runs serialized with the other end-to-end tests.
    @Suite("cluster mode: several daemons on one PostgreSQL", .needs(PostgresServer.resource, PostgresServer.available))
    struct ClusterTests {
        static let finished: Set<String> = ["completed", "failed", "cancelled"]

        /// Three epochs of 400 steps of 10 at 128 hidden units, no evaluations: about 0.8 s
        /// on one idle core (measured: 0.25 s an epoch and its records), so that 20 of them
        /// keep three nodes busy for several seconds, and finish in about ten.
        static func shortJob(seed: Int) -> [String: Any] {
            ["epochs": 3, "batch_size": 10, "g_hidden": 128, "d_hidden": 128, "samples_per_epoch": 1, "eval_every": 0, "seed": seed]
        }

        /// Six epochs of 400 steps of 10 at 384 hidden units, no evaluations: about 0.65 s
        /// an epoch on one idle core (0.45 s of steps, the rest its checkpoint and records),
        /// longer on a busy one; time to act on a node between two epochs.
        static var longJob: [String: Any] {
            ["epochs": 6, "batch_size": 10, "g_hidden": 384, "d_hidden": 384, "seed": 20_240_601, "samples_per_epoch": 1, "eval_every": 0]
        }

        // MARK: - 1. Three nodes, one queue

        @Test("three nodes on one database: 20 jobs posted to one node all complete, every node trains some, each has epochs 1…N once, and every node answers the same for every job")
        func threeNodesShareTheQueue() throws {
            try requireResource(PostgresServer.resource, PostgresServer.available)
            try ClusterFixture.with("cluster3") { cluster in
                let names = ["a", "b", "c"]
                // Nothing here should lapse: a lease with room for three busy daemons on two cores.
                for name in names { try cluster.start(name, leaseSeconds: 5) }
                for node in cluster.nodes {
                    let info = MetricSample.parse(try node.api.metrics()).filter { $0.name == "gantry_node_info" }
                    #expect(info.count == 1 && info.first?.labels["node"] == node.name && info.first?.value == "1",
                            "node \(node.name)'s /metrics: gantry_node_info samples \(info.map { "\($0.labels) \($0.value)" })")
                }

                let a = cluster.node("a").api
                let epochs = Self.shortJob(seed: 0)["epochs"] as! Int
                var jobs: [Job] = []
                for i in 1...20 {
                    let job = try a.createJob(Self.shortJob(seed: i))
                    // Not claimed yet (a claimed job is no longer queued): no node.
                    if job.status == "queued" { #expect(job.node == nil, "job \(job.id) is queued but names node \(job.node ?? "")") }
                    jobs.append(job)
                }

                // Wait through a node that did not take the POSTs, watching every node's
                // /metrics meanwhile: no node trains more than its concurrent_jobs (1), and
                // no job is trained by two nodes at once.
                let b = cluster.node("b").api
                let ids = Set(jobs.map(\.id))
                let deadline = Date().addingTimeInterval(240)
                var busiest: [String: Int] = [:]
                var doubleClaims: Set<String> = [], mislabelled: Set<String> = []
                while true {
                    var holders: [String: [String]] = [:]
                    for node in cluster.nodes {
                        let running = try node.api.runningJobs()
                        busiest[node.name] = max(busiest[node.name] ?? 0, running.count)
                        for entry in running {
                            holders[entry.job, default: []].append(node.name)
                            if entry.node != node.name { mislabelled.insert("node \(node.name) reports \(entry.job) on node=\"\(entry.node)\"") }
                        }
                    }
                    for (job, nodes) in holders where nodes.count > 1 { doubleClaims.insert("\(job) on \(nodes.sorted())") }
                    let listed = listedJobs(try b.get("/v1/jobs")).filter { ids.contains($0.id) }
                    if listed.count == ids.count && listed.allSatisfy(\.isFinished) {
                        let unfinished = listed.filter { $0.status != "completed" }
                        try #require(unfinished.isEmpty, "not completed: \(unfinished.map { "\($0.id): \($0.status) \($0.error ?? "")" })")
                        break
                    }
                    guard Date() < deadline else {
                        throw HTTPClientError("after 240 s, \(listed.filter(\.isFinished).count) of 20 jobs finished (\(listed.count) listed by b)")
                    }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                #expect(busiest.values.allSatisfy { $0 <= 1 }, "most jobs trained at once per node (concurrent_jobs 1): \(busiest)")
                #expect(doubleClaims.isEmpty, "jobs trained by two nodes at once: \(doubleClaims.sorted())")
                #expect(mislabelled.isEmpty, "\(mislabelled.sorted())")

                var trainedBy: [String: String] = [:]
                for job in jobs {
                    // Each node's view of the job, its losses, and its checkpoint's bytes.
                    var views: [(node: String, job: Job, losses: [[String: Any]], checkpoint: Response)] = []
                    for node in cluster.nodes {
                        views.append((node.name, try node.api.job(job.id), try node.api.losses(job.id),
                                      try node.api.get("/v1/jobs/\(job.id)/checkpoint")))
                    }
                    let first = views[0]
                    trainedBy[job.id] = first.job.node
                    #expect(first.job.node.map(names.contains) == true, "job \(job.id) names node \(first.job.node ?? "nil")")
                    #expect(epochNumbers(first.losses) == Array(1...epochs),
                            "job \(job.id): epochs \(epochNumbers(first.losses)), wanted 1…\(epochs) once each")
                    #expect(first.job.epoch == epochs)
                    for view in views {
                        #expect(view.job.status == "completed" && view.job.node == first.job.node && view.job.epoch == epochs,
                                "job \(job.id) through \(view.node): \(view.job.status) on \(view.job.node ?? "nil") at epoch \(view.job.epoch); through a: \(first.job.status) on \(first.job.node ?? "nil")")
                        #expect(epochNumbers(view.losses) == epochNumbers(first.losses), "job \(job.id)'s epochs through \(view.node): \(epochNumbers(view.losses))")
                        for (mine, theirs) in zip(view.losses, first.losses) {
                            for key in ["d_loss", "g_loss"] {
                                #expect(number(mine[key]) == number(theirs[key]),
                                        "job \(job.id) epoch \(mine["epoch"] ?? "?") \(key) through \(view.node): \(mine[key] ?? "nil") vs \(theirs[key] ?? "nil")")
                            }
                        }
                        #expect(view.checkpoint.status == 200 && !view.checkpoint.body.isEmpty, "job \(job.id)'s checkpoint through \(view.node): \(view.checkpoint)")
                        #expect(view.checkpoint.body == first.checkpoint.body, "job \(job.id)'s checkpoint differs through \(view.node)")
                    }
                    if let checkpoint = try? CheckpointFile(first.checkpoint.body) { #expect(checkpoint.epochs == UInt64(epochs)) }
                }
                let nodesUsed = Set(trainedBy.values)
                #expect(nodesUsed == Set(names), "jobs per node: \(Dictionary(grouping: trainedBy.values, by: { $0 }).mapValues(\.count))")

                // Samples of a job, drawn by each node from the generator in the database: the same grid.
                let sample = jobs[0].id
                let grids = try cluster.nodes.map { try $0.api.get("/v1/jobs/\(sample)/samples?count=4&seed=3") }
                for (node, grid) in zip(cluster.nodes, grids) {
                    #expect(grid.status == 200 && grid.body == grids[0].body, "samples of \(sample) through \(node.name): \(grid.status), \(grid.body.count) bytes vs \(grids[0].body.count)")
                }
                // Every node lists every job, and trains none now.
                for node in cluster.nodes {
                    let listed = Set(listedJobs(try node.api.get("/v1/jobs")).map(\.id))
                    #expect(Set(jobs.map(\.id)).isSubset(of: listed), "node \(node.name) lists \(listed.count) of the 20 jobs")
                    let running = try node.api.runningJobs()
                    #expect(running.isEmpty, "node \(node.name) still reports running jobs: \(running)")
                }

                // An idempotency key is one job across the cluster: the same request sent to
                // all three nodes at once makes one job, and another body under the key is a 409.
                let key = ["Idempotency-Key": "sweep-99"], apis = cluster.nodes.map(\.api)
                let body = String(decoding: try JSONSerialization.data(withJSONObject: Self.shortJob(seed: 99)), as: UTF8.self)
                let answers = concurrently(apis.count) { try apis[$0].post("/v1/jobs", rawBody: body, headers: key) }
                    .map { (status: $0.status, id: $0.response?.object?["id"] as? String) }
                #expect(Set(answers.compactMap(\.id)).count == 1 && answers.allSatisfy { [200, 201].contains($0.status) },
                        "one key posted to three nodes at once: \(answers)")
                #expect(answers.filter { $0.status == 201 }.count == 1, "exactly one node created the job: \(answers)")
                let other = try cluster.node("c").api.post("/v1/jobs", json: Self.shortJob(seed: 98), headers: key)
                #expect(other.status == 409, "another body under the key through another node: \(other)")
                for node in cluster.nodes { #expect(node.child.stop() == .exited(0), "node \(node.name) on SIGTERM") }
            }
        }

        // MARK: - 2. kill -9

        @Test("kill -9 of the node training a job: the other node resumes it from its checkpoint in PostgreSQL; epochs 1–6 once each, and the losses and generator of an uninterrupted one-lane run")
        func killNineMovesTheJob() throws {
            try requireResource(PostgresServer.resource, PostgresServer.available)
            try ClusterFixture.with("cluster-kill9") { cluster in
                try cluster.start("a")
                try cluster.start("b")
                let a = cluster.node("a").api
                // The reference and the victim run side by side, one per node (concurrent_jobs 1).
                let reference = try a.createJob(Self.longJob)
                let victim = try a.createJob(Self.longJob)

                let holder = try cluster.holder(of: victim.id, via: cluster.node("a"), afterEpochs: 0)
                let other = cluster.nodes.first { $0 !== holder }!
                let shown = try eventually(timeout: 10) { try holder.trains(victim.id) }
                #expect(shown, "node \(holder.name) trains \(victim.id) but its /metrics says it trains \((try? holder.api.runningJobs()).map { "\($0)" } ?? "?")")
                let otherRuns = try other.api.runningJobs()
                #expect(!otherRuns.contains { $0.job == victim.id }, "node \(other.name) also reports training \(victim.id): \(otherRuns)")

                // Long-poll through the other node: woken when the holder records epoch 2,
                // so the kill lands early in epoch 3.
                let second = try other.api.get("/v1/jobs/\(victim.id)/losses?since=1&wait=60", timeout: 75)
                #expect(holder.child.killNow() == .signalled(SIGKILL))
                let seen = epochNumbers(second.object?["epochs"] as? [[String: Any]] ?? [])
                #expect(seen.first == 2, "the long-poll through \(other.name) answered with epochs \(seen); wanted epoch 2 first")
                let atKill = epochNumbers(try other.api.losses(victim.id))
                #expect(!atKill.isEmpty && atKill.count < 6, "the kill should land mid-job; epochs recorded: \(atKill)")

                // The other node finishes the reference (if it has it), then claims the victim once the lease lapsed.
                let (referenceLosses, referenceStatus) = try other.api.followLosses(reference.id, timeout: 180)
                #expect(referenceStatus == "completed")
                #expect(epochNumbers(referenceLosses) == Array(1...6))
                let (followed, status) = try other.api.followLosses(victim.id, timeout: 180)
                let final = try other.api.job(victim.id)
                // Required: the rest is noise if it did not complete, and a thrown failure carries the logs.
                try #require(status == "completed" && final.error == nil, "\(final.object)")
                #expect(final.node == other.name, "the victim finished on \(final.node ?? "nil"); \(holder.name) was killed")
                #expect(epochNumbers(followed) == Array(1...6), "each epoch exactly once: \(epochNumbers(followed))")
                let all = try other.api.losses(victim.id)
                #expect(epochNumbers(all) == Array(1...6), "each epoch exactly once: \(epochNumbers(all))")
                // Same seed, one lane: the same losses epoch by epoch...
                for (mine, theirs) in zip(all, referenceLosses) {
                    for key in ["d_loss", "g_loss", "d_real_mean", "d_fake_mean"] {
                        #expect(number(mine[key]) == number(theirs[key]),
                                "epoch \(mine["epoch"] ?? "?") \(key): \(mine[key] ?? "nil") vs uninterrupted \(theirs[key] ?? "nil")")
                    }
                }
                // ...and the same generator, byte for byte.
                let checkpoint = try other.api.get("/v1/jobs/\(victim.id)/checkpoint")
                let referenceCheckpoint = try other.api.get("/v1/jobs/\(reference.id)/checkpoint")
                #expect(checkpoint.status == 200 && referenceCheckpoint.status == 200, "\(checkpoint) / \(referenceCheckpoint)")
                try CheckpointFile(checkpoint.body).expectSameGenerator(as: CheckpointFile(referenceCheckpoint.body), epochs: 6)
                #expect(try other.api.get("/v1/jobs/\(victim.id)/samples").status == 200)
                #expect(other.child.stop() == .exited(0))
            }
        }

        // MARK: - 2b. SIGTERM

        @Test("SIGTERM of the node training a job: it gives up its lease, the other node resumes the job within seconds (the lease is 30 s), and the job completes with epochs 1–6 once each")
        func aStoppedNodeHandsItsJobsOver() throws {
            try requireResource(PostgresServer.resource, PostgresServer.available)
            try ClusterFixture.with("cluster-sigterm") { cluster in
                // A lease far longer than the wait below: only a released lease, announced,
                // lets the other node take the job in time (a lapsed one would take 30 s, the
                // other node's own look for work 10 s).
                try cluster.start("a", leaseSeconds: 30)
                try cluster.start("b", leaseSeconds: 30)
                let job = try cluster.node("a").api.createJob(Self.longJob)
                let holder = try cluster.holder(of: job.id, via: cluster.node("a"), afterEpochs: 1)
                let other = cluster.nodes.first { $0 !== holder }!
                let stopped = Date()
                #expect(holder.child.stop() == .exited(0), "node \(holder.name) on SIGTERM")
                let moved = try eventually(timeout: 5) { try other.api.job(job.id).node == other.name }
                let seen = try other.api.job(job.id).object
                #expect(moved, "node \(other.name) did not take the job within 5 s of \(holder.name)'s SIGTERM: \(seen)")
                let (followed, status) = try other.api.followLosses(job.id, timeout: 180)
                let final = try other.api.job(job.id).object
                try #require(status == "completed", "\(final)")
                #expect(epochNumbers(followed) == Array(1...6), "each epoch exactly once: \(epochNumbers(followed))")
                #expect(Date().timeIntervalSince(stopped) < 30, "the job finished \(Date().timeIntervalSince(stopped)) s after the SIGTERM")
            }
        }

        // MARK: - 3. A node stalled past its lease

        @Test("SIGSTOP of the node training a job for three leases: the other node takes the job over; after SIGCONT the stalled node logs that it lost its lease and records nothing more; epochs 1–12 once each")
        func aStalledNodeLosesItsLease() throws {
            try requireResource(PostgresServer.resource, PostgresServer.available)
            let lease = 2
            try ClusterFixture.with("cluster-stop") { cluster in
                try cluster.start("a", leaseSeconds: lease)
                try cluster.start("b", leaseSeconds: lease)
                // Twelve epochs: the other node still trains the job when the stalled one wakes.
                var spec = Self.longJob
                spec["epochs"] = 12
                let job = try cluster.node("a").api.createJob(spec)
                let holder = try cluster.holder(of: job.id, via: cluster.node("a"), afterEpochs: 1)
                let other = cluster.nodes.first { $0 !== holder }!

                holder.child.signal(SIGSTOP)
                let atStop = epochNumbers(try other.api.losses(job.id))
                #expect(!atStop.isEmpty && atStop.count < 12, "the stop should land mid-job; epochs recorded: \(atStop)")
                Thread.sleep(forTimeInterval: Double(3 * lease))
                // The lease lapsed while the holder is still stopped: the other node has the job.
                let moved = try other.api.waitFor(job.id, timeout: 30, what: "claimed by \(other.name)") { $0.node == other.name }
                #expect(moved.status != "failed", "\(moved.object)")

                let logAtContinue = holder.log.utf8.count
                holder.child.signal(SIGCONT)
                let lost = try eventually(timeout: 30) { !lines(of: holder.log, mentioning: job.id, containing: "lost its lease").isEmpty }
                #expect(lost, "node \(holder.name) never logged that it lost its lease on \(job.id):\n\(holder.child.stderrTail(lines: 20))")

                let (followed, status) = try other.api.followLosses(job.id, timeout: 180)
                let final = try other.api.job(job.id)
                // Required: the rest is noise if it did not complete, and a thrown failure carries the logs.
                try #require(status == "completed" && final.error == nil, "\(final.object)")
                #expect(final.node == other.name, "the job finished on \(final.node ?? "nil")")
                #expect(epochNumbers(followed) == Array(1...12), "each epoch exactly once: \(epochNumbers(followed))")
                let throughHolder = epochNumbers(try holder.api.losses(job.id))
                #expect(throughHolder == Array(1...12), "through the stalled node: \(throughHolder)")

                // The stalled node let the job go: it trains nothing, reported no failure or
                // completion of it after SIGCONT, and neither node hit an error on its epochs
                // (an epoch recorded twice would be refused by the store and logged).
                let released = try eventually(timeout: 10) { try !holder.trains(job.id) }
                #expect(released, "node \(holder.name) still reports training \(job.id)")
                let afterContinue = String(decoding: Array(holder.log.utf8.dropFirst(logAtContinue)), as: UTF8.self)
                for phrase in ["completed", "failed", "error:"] {
                    let found = lines(of: afterContinue, mentioning: job.id, containing: phrase).filter { !$0.contains("lost its lease") }
                    #expect(found.isEmpty, "node \(holder.name) after SIGCONT: \(found)")
                }
                let otherErrors = lines(of: other.log, mentioning: job.id, containing: "error:")
                #expect(otherErrors.isEmpty, "node \(other.name): \(otherErrors)")
                #expect(holder.isRunning && other.isRunning)
                #expect(try holder.api.get("/healthz").status == 200)
                // Both nodes serve the same final checkpoint.
                let theirs = try other.api.get("/v1/jobs/\(job.id)/checkpoint"), mine = try holder.api.get("/v1/jobs/\(job.id)/checkpoint")
                #expect(theirs.status == 200 && mine.status == 200 && theirs.body == mine.body)
                for node in cluster.nodes { #expect(node.child.stop() == .exited(0), "node \(node.name) on SIGTERM") }
            }
        }

        // MARK: - 4. PostgreSQL restarts

        @Test("PostgreSQL restarted mid-training: the nodes reconnect, the job completes with epochs 1–6 once each, and no daemon exits")
        func aDatabaseRestartIsSurvived() throws {
            try requireResource(PostgresServer.resource, PostgresServer.available)
            // A lease longer than the outage: the job stays where it is.
            let lease = 10
            try ClusterFixture.with("cluster-pgrestart") { cluster in
                try cluster.start("a", leaseSeconds: lease)
                try cluster.start("b", leaseSeconds: lease)
                let a = cluster.node("a").api
                let job = try a.createJob(Self.longJob)
                let first = try a.get("/v1/jobs/\(job.id)/losses?since=0&wait=60", timeout: 75)
                let seen = epochNumbers(first.object?["epochs"] as? [[String: Any]] ?? [])
                #expect(!seen.isEmpty && seen.count < 6, "the restart should land mid-job; epochs recorded: \(seen)")

                try cluster.postgres.stop()
                // An epoch (under a second on an idle core) ends while the database is away.
                Thread.sleep(forTimeInterval: 3)
                for node in cluster.nodes { #expect(node.isRunning, "node \(node.name) exited while PostgreSQL was down: \(node.child.exitStatus.map(\.description) ?? "")") }
                try cluster.postgres.start()

                let healthy = try eventually(timeout: 60) {
                    cluster.nodes.allSatisfy { (try? $0.api.get("/healthz"))?.status == 200 }
                }
                #expect(healthy, "not every node is healthy again: \(cluster.nodes.map { "\($0.name): \((try? $0.api.get("/healthz")).map(\.description) ?? "no answer")" })")
                // Healthy means serving: every read answers, one after another and eight at
                // once (each of a node's pooled connections was cut by the restart).
                let reads = ["/v1/jobs/\(job.id)", "/v1/jobs/\(job.id)/losses", "/v1/jobs", "/v1/jobs/\(job.id)/samples"]
                for node in cluster.nodes {
                    for path in reads {
                        let r = try node.api.get(path)
                        #expect(r.status == 200, "after the restart, GET \(path) through \(node.name): \(r)")
                    }
                    let paths = Array(repeating: reads, count: 2).flatMap { $0 }, api = node.api
                    let failed = concurrently(paths.count) { try api.get(paths[$0]) }.filter { $0.status != 200 }
                        .map { (path: paths[$0.index], answer: $0.description) }
                    #expect(failed.isEmpty, "after the restart, through \(node.name), eight reads at once: \(failed.map { "GET \($0.path) → \($0.answer)" })")
                }
                let (followed, status) = try a.followLosses(job.id, timeout: 180)
                let final = try a.job(job.id)
                // Required: the rest is noise if it did not complete, and a thrown failure carries the logs.
                try #require(status == "completed" && final.error == nil, "\(final.object)")
                #expect(epochNumbers(followed) == Array(1...6), "each epoch exactly once: \(epochNumbers(followed))")
                #expect(epochNumbers(try cluster.node("b").api.losses(job.id)) == Array(1...6))
                #expect(try cluster.node("b").api.get("/v1/jobs/\(job.id)/checkpoint").status == 200)
                for node in cluster.nodes {
                    #expect(node.isRunning, "node \(node.name) exited: \(node.child.exitStatus.map(\.description) ?? "")")
                    #expect(node.child.stop() == .exited(0), "node \(node.name) on SIGTERM")
                }
            }
        }

        // MARK: - 5. PostgreSQL down at start

        /// The lines of a log saying the store cannot be reached and that the node retries.
        static func retryLines(_ log: String) -> [Substring] {
            log.split(separator: "\n").filter { line in
                let lower = line.lowercased()
                return (lower.contains("store") || lower.contains("postgres")) && (lower.contains("retr") || lower.contains("again"))
            }
        }

        @Test("a node started while PostgreSQL is down (its URL from GANTRY_STORE_URL) says so, retries without exiting, and serves once PostgreSQL is up")
        func aNodeWaitsForTheDatabase() throws {
            try requireResource(PostgresServer.resource, PostgresServer.available)
            try ClusterFixture.with("cluster-pgdown") { cluster in
                try cluster.postgres.stop()
                // No `store` in the config: the environment names PostgreSQL.
                let a = try cluster.start("a", removing: ["store"], environment: ["GANTRY_STORE_URL": cluster.postgres.url],
                                          waitUntilListening: false)
                let said = try eventually(timeout: 30) { !Self.retryLines(a.log).isEmpty || !a.isRunning }
                #expect(said && a.isRunning, "node a (\(a.child.exitStatus.map(\.description) ?? "running")) should say it cannot reach the store and retries:\n\(a.child.stderrTail(lines: 20))")
                Thread.sleep(forTimeInterval: 3)
                #expect(a.isRunning, "node a exited while PostgreSQL was down: \(a.child.exitStatus.map(\.description) ?? "")")

                try cluster.postgres.start()
                try cluster.waitUntilListening(a, timeout: 90)
                let healthy = try eventually(timeout: 60) { (try? a.api.get("/healthz"))?.status == 200 }
                #expect(healthy, "node a's /healthz: \((try? a.api.get("/healthz")).map(\.description) ?? "no answer")")
                let list = try a.api.get("/v1/jobs")
                #expect(list.status == 200, "\(list)")
                var spec = tinyJob
                spec["eval_every"] = 0
                let job = try a.api.createJob(spec)
                let done = try a.api.waitForStatus(job.id, Self.finished, timeout: 60)
                try #require(done.status == "completed" && done.node == "a", "\(done.object)")
                // It was PostgreSQL's: another node, told by its config, sees the job.
                let b = try cluster.start("b")
                let seen = try b.api.job(job.id)
                #expect(seen.status == "completed" && seen.node == "a", "\(seen.object)")
                for node in cluster.nodes { #expect(node.child.stop() == .exited(0), "node \(node.name) on SIGTERM") }
            }
        }
    }
}
