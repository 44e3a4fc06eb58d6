import Foundation
import GantryTestSupport
import Testing

extension EndToEndTests {
    @Test("a 3-epoch job: long-polled losses, samples, epoch and progression grids, checkpoint, list, delete")
    func threeEpochJob() throws {
        try Fixture.with("lifecycle") { f in
            let daemon = try f.start()
            let api = f.api

            let health = try api.get("/healthz")
            #expect(health.status == 200)
            #expect(health.object?["status"] as? String == "ok", "\(health)")

            let created = try api.post("/v1/jobs", json: ["epochs": 3, "seed": 42, "samples_per_epoch": 9])
            #expect(created.status == 201, "\(created)")
            #expect(isJSON(created), "\(created.headers)")
            let job = Job(try #require(created.object, "\(created)"))
            let id = job.id
            #expect(id.range(of: "^[A-Za-z0-9_-]+$", options: .regularExpression) != nil, "id \(id)")
            #expect(created.header("Location")?.hasSuffix("/v1/jobs/\(id)") == true, "Location: \(created.header("Location") ?? "none")")
            #expect(["queued", "downloading", "running"].contains(job.status), "\(job.object)")
            #expect(job.createdAt != nil, "created_at \(job.object["created_at"] ?? "missing")")

            // The resolved configuration: given fields as given, every other one defaulted.
            let c = job.config
            #expect(c["dataset"] as? String == "mnist")
            #expect(c["epochs"] as? Int == 3)
            #expect(number(c["seed"]) == 42)
            #expect(c["batch_size"] as? Int == 100)
            #expect(c["z_size"] as? Int == 100)
            #expect(c["g_hidden"] as? Int == 128)
            #expect(c["d_hidden"] as? Int == 128)
            #expect(c["samples_per_epoch"] as? Int == 9)
            #expect(abs((number(c["learning_rate"]) ?? 0) - 0.002) < 1e-6)
            #expect(abs((number(c["alpha"]) ?? 0) - 0.01) < 1e-6)
            #expect(abs((number(c["smooth"]) ?? 0) - 0.1) < 1e-6)
            #expect(abs((number(c["beta1"]) ?? 0) - 0.9) < 1e-6)

            // Long-poll to the end: every epoch once, in order, with every field.
            let (records, status) = try api.followLosses(id, timeout: 120)
            #expect(status == "completed")
            #expect(epochNumbers(records) == [1, 2, 3], "\(records)")
            for record in records {
                for key in ["d_loss", "g_loss", "d_loss_real", "d_loss_fake", "d_real_mean", "d_fake_mean", "seconds"] {
                    let value = number(record[key])
                    #expect(value?.isFinite == true, "epoch \(record["epoch"] ?? "?") \(key) = \(record[key] ?? "missing")")
                }
                for key in ["d_real_mean", "d_fake_mean"] {
                    #expect((0...1).contains(number(record[key]) ?? -1), "\(key) is a mean sigmoid output: \(record)")
                }
                #expect((number(record["seconds"]) ?? 0) > 0)
            }

            let done = try api.job(id)
            #expect(done.status == "completed")
            #expect(done.epoch == 3)
            #expect(done.progress["epochs"] as? Int == 3)
            #expect(done.error == nil, "error on a completed job: \(done.error ?? "")")
            let started = try #require(done.startedAt, "started_at \(done.object["started_at"] ?? "missing")")
            let finished = try #require(done.finishedAt, "finished_at \(done.object["finished_at"] ?? "missing")")
            #expect(try #require(done.createdAt) <= started)
            #expect(started <= finished)
            let latest = done.object["latest"] as? [String: Any]
            #expect(latest?["epoch"] as? Int == 3, "latest: \(latest ?? [:])")
            #expect(number(latest?["d_loss"]) == number(records.last?["d_loss"]))

            // `since` filters; `wait` on a finished job answers at once.
            let since2 = try api.get("/v1/jobs/\(id)/losses?since=2")
            #expect(epochNumbers(since2.object?["epochs"] as? [[String: Any]] ?? []) == [3], "\(since2)")
            let waitStart = Date()
            let since3 = try api.get("/v1/jobs/\(id)/losses?since=3&wait=20", timeout: 30)
            #expect(since3.status == 200)
            #expect((since3.object?["epochs"] as? [Any])?.isEmpty == true, "\(since3)")
            #expect(since3.object?["status"] as? String == "completed")
            // Against the 20 s it would wait; measured under load: under 1 ms.
            #expect(Date().timeIntervalSince(waitStart) < 5, "a long poll on a finished job should not wait")
            // ...and leaves nothing waiting behind it.
            let gauge = try api.get("/metrics").text.split(separator: "\n").first { $0.hasPrefix("gantry_long_polls_waiting ") }
            #expect(gauge == "gantry_long_polls_waiting 0", "\(gauge ?? "no gauge")")

            // Samples: a P5 grid; same seed, same bytes; another seed, other digits.
            let path = "/v1/jobs/\(id)/samples?count=16&seed=7&columns=4&pad=2"
            let s1 = try api.get(path)
            #expect(s1.status == 200, "\(s1)")
            #expect(s1.header("Content-Type") == "image/x-portable-graymap")
            let grid = try PGM(s1.body)
            #expect(grid.width == PGM.side(cells: 4, pad: 2) && grid.height == PGM.side(cells: 4, pad: 2), "\(grid.width)x\(grid.height)")
            #expect(grid.maxValue == 255)
            #expect(Set(grid.pixels).count > 16, "the grid should hold digits, not a flat image")
            let s2 = try api.get(path)
            #expect(s2.body == s1.body, "the same seed must give the same bytes")
            let s3 = try api.get("/v1/jobs/\(id)/samples?count=16&seed=8&columns=4&pad=2")
            #expect(s3.status == 200)
            #expect(s3.body.count == s1.body.count)
            #expect(s3.body != s1.body, "two seeds must give different digits")
            // A partial last row, no padding.
            let s4 = try api.get("/v1/jobs/\(id)/samples?count=5&seed=7&columns=4&pad=0")
            let partial = try PGM(s4.body)
            #expect(partial.width == 4 * 28 && partial.height == 2 * 28, "\(partial.width)x\(partial.height)")
            // Defaults (count 16, columns 4, pad 2) work too.
            let s5 = try api.get("/v1/jobs/\(id)/samples")
            #expect(s5.status == 200, "\(s5)")
            _ = try PGM(s5.body)

            // The fixed-noise grid of each epoch: 9 tiles; epochs differ as the generator learns.
            var epochGrids: [[UInt8]] = []
            for n in 1...3 {
                let r = try api.get("/v1/jobs/\(id)/epochs/\(n)/samples")
                #expect(r.status == 200, "epoch \(n): \(r)")
                #expect(r.header("Content-Type") == "image/x-portable-graymap")
                let pgm = try PGM(r.body)
                let columns = (pgm.width + 2) / 30, rows = (pgm.height + 2) / 30
                #expect(PGM.side(cells: columns, pad: 2) == pgm.width && PGM.side(cells: rows, pad: 2) == pgm.height,
                        "epoch grid \(pgm.width)x\(pgm.height) is not whole 28-pixel tiles with 2-pixel gaps")
                #expect(columns * rows >= 9 && columns * rows < 9 + columns, "9 tiles in \(columns)x\(rows)")
                epochGrids.append(r.body)
            }
            #expect(epochGrids[0] != epochGrids[2], "epoch 1 and epoch 3 grids should differ")
            #expect(try api.get("/v1/jobs/\(id)/epochs/4/samples").status == 404)
            let epoch0 = try api.get("/v1/jobs/\(id)/epochs/0/samples")
            #expect([400, 404].contains(epoch0.status), "\(epoch0)")

            // The progression: a row per sampled epoch, at most `rows` rows.
            let progression = try api.get("/v1/jobs/\(id)/progression?rows=10")
            #expect(progression.status == 200, "\(progression)")
            #expect(progression.header("Content-Type") == "image/x-portable-graymap")
            let p10 = try PGM(progression.body)
            #expect(p10.height == PGM.side(cells: 3, pad: 2), "3 epochs, rows=10 → 3 rows; got height \(p10.height)")
            let p2 = try PGM(try api.get("/v1/jobs/\(id)/progression?rows=2").body)
            #expect(p2.height == PGM.side(cells: 2, pad: 2), "rows=2 → 2 rows; got height \(p2.height)")

            // The checkpoint download.
            let checkpoint = try api.get("/v1/jobs/\(id)/checkpoint")
            #expect(checkpoint.status == 200)
            #expect(checkpoint.header("Content-Type") == "application/octet-stream")
            #expect(Array(checkpoint.body.prefix(8)) == Array("GANTRYCK".utf8))
            let parsed = try CheckpointFile(checkpoint.body)
            #expect(parsed.epochs == 3)
            #expect(parsed.generator.count == 4, "generator tensors: \(parsed.tensors.map(\.name))")

            // Metrics.
            let metrics = try api.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true, "\(metrics.headers)")
            #expect(metrics.text.contains("# TYPE"), "\(metrics.text.prefix(400))")
            // Which kernels run the products: the loaded core is the one the daemon's log names.
            let info = metrics.text.split(separator: "\n").first { $0.hasPrefix("gantry_blas_info{") }.map(String.init) ?? ""
            let core = info.components(separatedBy: "core=\"").dropFirst().first?.components(separatedBy: "\"").first ?? ""
            #expect(!core.isEmpty && info.hasSuffix("} 1"), "\(info)")
            #expect(f.daemon?.stderr.contains("OpenBLAS core \(core) (") == true, "the startup log names core \(core)")

            // The list and its filter.
            let all = try api.get("/v1/jobs")
            #expect(all.status == 200)
            #expect(listedJobs(all).map(\.id) == [id], "\(all)")
            #expect(listedJobs(try api.get("/v1/jobs?status=completed")).map(\.id) == [id])
            #expect(listedJobs(try api.get("/v1/jobs?status=running")).isEmpty)

            // Delete: gone, and its files with it.
            let deleted = try api.delete("/v1/jobs/\(id)")
            #expect(deleted.status == 204, "\(deleted)")
            let gone = try api.get("/v1/jobs/\(id)")
            #expect(gone.status == 404)
            #expect(gone.errorCode != nil, "\(gone)")
            #expect(try api.get("/v1/jobs/\(id)/samples").status == 404)
            #expect(try api.get("/v1/jobs/\(id)/checkpoint").status == 404)
            #expect(try api.delete("/v1/jobs/\(id)").status == 404)
            let leftovers = (FileManager.default.enumerator(atPath: f.stateDir.path)?.allObjects as? [String] ?? [])
                .filter { $0.contains(id) }
            #expect(leftovers.isEmpty, "files of a deleted job remain: \(leftovers)")

            // A quiet daemon stops cleanly on SIGTERM, in order: it closes its store last, and
            // SQLite's last close folds the write-ahead log back into the database file.
            let wal = f.stateDir.appendingPathComponent("gantry.sqlite-wal").path
            #expect(FileManager.default.fileExists(atPath: wal), "a running daemon keeps a write-ahead log")
            #expect(daemon.stop() == .exited(0))
            #expect(!FileManager.default.fileExists(atPath: wal), "the store was not closed: \(daemon.stderrTail())")
            #expect(daemon.stderr.contains("stopped\n"), "\(daemon.stderrTail())")
            #expect(daemon.stdout.split(separator: "\n").count == 1, "stdout: \(daemon.stdout)")
        }
    }
}
