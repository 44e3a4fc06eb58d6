import Foundation
import GantryTestSupport
import Testing

/// The SQLite store's file removed from under the running daemon: noticed, refused,
/// saved, and restorable, with the refused restart changing nothing.
@Suite("Database file", .serialized)
struct DatabaseFileTests {
    @Test("gantry.sqlite removed mid-job: /healthz and POST answer 503, the log names a saved copy, a restart is refused and changes nothing, the copy resumes the job")
    func removedDatabase() throws {
        try Fixture.with("dbremoved") { f in
            try f.start()
            var api = f.api
            let done = try api.createJob(["epochs": 1, "eval_every": 0, "samples_per_epoch": 1, "seed": 8])
            #expect(try api.waitForStatus(done.id, ["completed"], timeout: 60).status == "completed")
            let job = try api.createJob(["epochs": 4, "batch_size": 10, "eval_every": 0, "samples_per_epoch": 1, "seed": 5])
            try api.waitFor(job.id, timeout: 120, every: 0.01, what: "running after epoch 1") { $0.status == "running" && $0.epoch >= 1 }
            let database = f.stateDir.appendingPathComponent("gantry.sqlite")
            try FileManager.default.removeItem(at: database)

            let health = try api.get("/healthz")
            #expect(health.status == 503, "\(health)")
            #expect(health.text.contains("removed while the daemon ran"), "\(health)")
            let post = try api.post("/v1/jobs", json: ["epochs": 1])
            #expect(post.status == 503 && post.errorCode == "store_unavailable", "\(post)")
            #expect(post.errorMessage?.contains("removed while the daemon ran") == true, "\(post)")
            #expect(post.errorMessage?.contains(f.stateDir.path) == false, "a client is shown the state folder: \(post)")
            let daemon = try #require(f.daemon)
            // Logged before the first refusal was answered, so it is there already.
            let log = daemon.stderr
            let named = try #require(log.firstMatch(of: #/critical: store: .* was removed while the daemon ran; .* committed is saved in (\S+)\. Changes are refused/#),
                                     "no critical line naming the saved copy in:\n\(daemon.stderrTail())")
            let saved = URL(fileURLWithPath: String(named.1))
            #expect(FileManager.default.fileExists(atPath: saved.path), "\(named.0)")
            // Reads still answer from what the daemon holds.
            #expect(try api.get("/v1/jobs/\(done.id)").status == 200)
            #expect(daemon.stop() == .exited(0), "\(daemon.stderrTail())")

            // A refused start changes nothing: the same files, bytes and all.
            let before = try Self.contents(of: f.stateDir)
            let refused = try Child(label: "refused", executable: Paths.gantry,
                                    arguments: ["serve", "--config", try #require(daemon.process.arguments?.dropFirst(2).first), "--port", "0"],
                                    environment: [:], logDirectory: f.root)
            #expect(refused.waitForExit(timeout: 30) == .exited(1))
            #expect(refused.stderr.contains("gantry.sqlite is missing") && refused.stderr.contains(job.id)
                    && refused.stderr.contains(saved.lastPathComponent), "\(refused.stderr)")
            #expect(try Self.contents(of: f.stateDir) == before, "the refused start changed the state folder")

            // The saved copy is the database: the finished job is there, the interrupted one resumes.
            try FileManager.default.moveItem(at: saved, to: database)
            try f.restart()
            api = f.api
            #expect(try api.job(done.id).status == "completed")
            let (losses, status) = try api.followLosses(job.id, timeout: 120)
            #expect(status == "completed", "job \(job.id) ended \(status)")
            #expect(epochNumbers(losses) == Array(1...4))
            #expect(f.daemon?.stop() == .exited(0))
        }
    }

    @Test("an emptied database beside job folders is refused at start, naming the folders; the state is left as it was")
    func emptiedDatabaseIsRefused() throws {
        try Fixture.with("dbempty") { f in
            try f.start()
            let api = f.api
            let job = try api.createJob(["epochs": 1, "eval_every": 0, "samples_per_epoch": 1, "seed": 8])
            #expect(try api.waitForStatus(job.id, ["completed"], timeout: 60).status == "completed")
            #expect(f.daemon?.stop() == .exited(0))
            let database = f.stateDir.appendingPathComponent("gantry.sqlite")
            try Data().write(to: database)
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
            let before = try Self.contents(of: f.stateDir)
            let config = try #require(f.daemon?.process.arguments?.dropFirst(2).first)
            let refused = try Child(label: "refused", executable: Paths.gantry, arguments: ["serve", "--config", config, "--port", "0"],
                                    environment: [:], logDirectory: f.root)
            #expect(refused.waitForExit(timeout: 30) == .exited(1))
            #expect(refused.stderr.contains("gantry.sqlite is empty") && refused.stderr.contains(job.id), "\(refused.stderr)")
            #expect(try Self.contents(of: f.stateDir) == before, "the refused start changed the state folder")
        }
    }

    /// Every file under `folder` (relative path → its bytes); a folder maps to no bytes.
    static func contents(of folder: URL) throws -> [String: Data?] {
        var result: [String: Data?] = [:]
        let root = folder.standardizedFileURL.path
        guard let walk = FileManager.default.enumerator(atPath: root) else { return result }
        while let relative = walk.nextObject() as? String {
            let path = (root as NSString).appendingPathComponent(relative)
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            result[relative] = isFolder.boolValue ? Data?.none : try Data(contentsOf: URL(fileURLWithPath: path))
        }
        return result
    }
}
