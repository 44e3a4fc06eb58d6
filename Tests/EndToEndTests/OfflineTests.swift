import Foundation
import GantryTestSupport
import Testing

extension EndToEndTests {
    /// A machine that reaches no mirror: the default job's error names the way out,
    /// `gantry download mnist5k --from fixtures/mnist5k` (another process, while the
    /// daemon runs) fills the cache, and a job on it then trains, reporting its phases.
    @Test("offline: the failed download names `gantry download --from`; the import runs beside the daemon; the job then trains through its phases")
    func offlineImportThenTrain() throws {
        try Fixture.with("offline") { f in
            // The mirrors of `mnist` refuse connections, as on a machine with no route out;
            // `mnist5k` is the built-in entry, which has no mirror at all.
            var datasets = try f.baseConfig()["datasets"] as? [String: Any] ?? [:]
            var mnist = datasets["mnist"] as? [String: Any] ?? [:]
            mnist["base_urls"] = ["http://127.0.0.1:9/"]
            datasets["mnist"] = mnist
            datasets["mnist5k"] = try MNIST5k.datasetEntry(baseURL: "http://unused/").merging(["base_urls": [String]()]) { $1 }
            try f.start(["datasets": datasets])
            let api = f.api

            let offline = try api.waitForStatus(try api.createJob(tinyJob).id, ["failed"], timeout: 60)
            let message = try #require(offline.error)
            #expect(message.contains("http://127.0.0.1:9/train-images-idx3-ubyte.gz"), "\(message)")
            #expect(message.hasSuffix("gantry download mnist --from FOLDER"), "\(message)")

            var spec = tinyJob
            spec["dataset"] = "mnist5k"
            let notImported = try api.waitForStatus(try api.createJob(spec).id, ["failed"], timeout: 30)
            #expect(notImported.error?.contains("the dataset has no mirror") == true, "\(notImported.object)")
            #expect(notImported.error?.hasSuffix("gantry download mnist5k --from FOLDER") == true, "\(notImported.object)")

            let config = try #require(f.daemon?.process.arguments?.dropFirst(2).first)
            let download = try Child(label: "download", executable: Paths.gantry,
                                     arguments: ["download", "mnist5k", "--from", Paths.mnist5k.path, "--config", config],
                                     environment: [:], logDirectory: f.root)
            #expect(download.waitForExit(timeout: 60) == .exited(0), "stderr: \(download.stderr)")
            #expect(download.stdout.contains("mnist5k: 4000 training and 1000 test images, imported 4 file(s)"), "\(download.stdout)")
            #expect(download.stdout.hasSuffix(f.stateDir.appendingPathComponent("datasets/mnist5k").path + "\n"), "\(download.stdout)")

            // The phases a user sees, polled as the job goes: the classifier first, then
            // training with a step fraction, scoring, and finished.
            spec = ["dataset": "mnist5k", "epochs": 2, "eval_every": 1, "eval_samples": 2000, "samples_per_epoch": 1, "seed": 5]
            let job = try api.createJob(spec)
            var phases: [String] = []
            var fractionsInRange = true
            let deadline = Date().addingTimeInterval(180)
            var last = job
            while Date() < deadline {
                last = try api.job(job.id)
                let phase = last.progress["phase"] as? String ?? "missing"
                if phases.last != phase { phases.append(phase) }
                if let fraction = last.progress["phase_fraction"] as? Double, !(0...1).contains(fraction) { fractionsInRange = false }
                if last.isFinished { break }
                Thread.sleep(forTimeInterval: 0.005)
            }
            #expect(last.status == "completed", "\(last.object)")
            #expect(fractionsInRange)
            #expect(phases.last == "finished" && last.progress["phase_fraction"] is NSNull, "\(phases) \(last.progress)")
            #expect(phases.contains("preparing_classifier") && phases.contains("training"), "\(phases)")
            let order = ["queued", "downloading", "preparing_classifier", "training", "evaluating", "finished"]
            let ranks = phases.compactMap { order.firstIndex(of: $0) }
            #expect(ranks.count == phases.count, "unknown phase in \(phases)")
            // Training and scoring alternate; nothing goes back before training.
            let firstTraining = try #require(phases.firstIndex(of: "training"))
            #expect(ranks[..<firstTraining] == ranks[..<firstTraining].sorted()[...], "\(phases)")
            #expect(phases[firstTraining...].allSatisfy { ["training", "evaluating", "finished"].contains($0) }, "\(phases)")
            #expect(last.progress["eval_every"] as? Int == 1)
        }
    }
}
