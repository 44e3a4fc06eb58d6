import Foundation
import GantryTestSupport
import Testing

extension EndToEndTests {
    /// A bad request body, the field its message must name ("" when none), and the code if fixed.
    struct BadBody: CustomStringConvertible {
        var body: String
        var field: String
        var code: String?
        var description: String { body }
    }

    static let badBodies: [BadBody] = {
        var cases: [BadBody] = []
        func bad(_ field: String, _ values: [String]) {
            for v in values { cases.append(BadBody(body: "{\"\(field)\": \(v)}", field: field)) }
        }
        bad("epochs", ["0", "10001", "-1", "\"3\"", "2.5", "true"])
        bad("batch_size", ["0", "10001", "\"100\""])
        bad("z_size", ["0", "1025"])
        bad("g_hidden", ["0", "4097"])
        bad("d_hidden", ["0", "4097", "[128]"])
        bad("alpha", ["-0.01", "1", "1.5", "\"0.2\""])
        bad("smooth", ["-0.1", "0.5", "0.9"])
        bad("learning_rate", ["0", "-0.001", "1.0001", "\"fast\""])
        bad("beta1", ["-0.1", "1", "1.2"])
        bad("seed", ["-1", "1.5", "\"7\"", "18446744073709551616"])
        bad("samples_per_epoch", ["0", "257"])
        bad("dataset", ["5"])
        // Well formed, naming no configured dataset: a 404 naming it.
        for name in ["nope", "../../etc", "http://example.com/"] {
            cases.append(BadBody(body: "{\"dataset\": \"\(name)\"}", field: name, code: "not_found"))
        }
        cases.append(BadBody(body: "{\"epoch\": 3}", field: "epoch"))
        cases.append(BadBody(body: "{\"epochs\": 3, \"learning-rate\": 0.1}", field: "learning-rate"))
        cases.append(BadBody(body: "{\"epochs\": 3,", field: "", code: nil))
        cases.append(BadBody(body: "not json", field: "", code: nil))
        cases.append(BadBody(body: "[1, 2]", field: "", code: nil))
        cases.append(BadBody(body: "\"epochs\"", field: "", code: nil))
        cases.append(BadBody(body: "{\"g_hidden\": 4096, \"d_hidden\": 4096, \"batch_size\": 10000}", field: "", code: "over_budget"))
        return cases
    }()

    @Test("every bad job field or body is a 400 naming the field (a dataset the daemon lacks a 404, a job over budget a 403); bad routes, methods, ids and queries are 4xx; the daemon keeps serving")
    func badInputs() throws {
        try Fixture.with("validation") { f in
            // Every range's edge at once writes about 1.9 GiB (10,000 epochs of 256
            // samples): the disk budget is raised so that the edges themselves are tested.
            try f.start(["memory_budget_bytes": 512 << 20, "disk_budget_bytes": 4 << 30])
            let api = f.api

            for c in Self.badBodies {
                let r = try api.post("/v1/jobs", rawBody: c.body)
                // A job over the daemon's budget is well formed, and refused by its policy: a 403.
                #expect(r.status == (c.code == "over_budget" ? 403 : c.code == "not_found" ? 404 : 400), "POST \(c.body) → \(r)")
                #expect(isJSON(r), "POST \(c.body): not a JSON error: \(r) \(r.headers)")
                #expect(r.errorCode?.isEmpty == false && r.errorMessage?.isEmpty == false, "POST \(c.body) → \(r)")
                if !c.field.isEmpty {
                    #expect(r.errorMessage?.contains(c.field) == true, "POST \(c.body): the message should name \(c.field): \(r)")
                }
                if let code = c.code { #expect(r.errorCode == code, "POST \(c.body) → \(r)") }
            }
            #expect(listedJobs(try api.get("/v1/jobs")).isEmpty, "a refused request must not create a job")

            // Routes, methods, ids.
            #expect(try api.get("/v1/jobs/doesNotExist123").status == 404)
            #expect(try api.get("/v1/nothing").status == 404)
            #expect(try api.get("/nothing").status == 404)
            let put = try api.send("PUT", "/v1/jobs", body: [])
            #expect(put.status == 405, "\(put)")
            #expect(put.header("Allow")?.contains("POST") == true && put.header("Allow")?.contains("GET") == true,
                    "Allow: \(put.header("Allow") ?? "none")")
            let postHealth = try api.send("POST", "/healthz", body: [])
            #expect(postHealth.status == 405, "\(postHealth)")
            for badID in ["..%2F..%2Fetc%2Fpasswd", "a.b", "%00", "x%20y", String(repeating: "a", count: 300)] {
                let r = try api.get("/v1/jobs/\(badID)")
                #expect([400, 404].contains(r.status), "GET /v1/jobs/\(badID) → \(r)")
                let d = try api.delete("/v1/jobs/\(badID)")
                #expect([400, 404].contains(d.status), "DELETE /v1/jobs/\(badID) → \(d)")
            }
            // A body over the limit is refused from its Content-Length alone.
            let tooLarge = try HTTPClient.raw(port: f.port, bytes: Array(
                "POST /v1/jobs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{".utf8))
            #expect(tooLarge.status == 413, "\(tooLarge)")

            // Idempotency-Key: same key and body → the same job; another body → 409.
            let first = try api.post("/v1/jobs", json: tinyJob, headers: ["Idempotency-Key": "key-1"])
            #expect(first.status == 201, "\(first)")
            let firstID = Job(first.object ?? [:]).id
            let again = try api.post("/v1/jobs", json: tinyJob, headers: ["Idempotency-Key": "key-1"])
            #expect(again.status == 200 && again.header("Idempotent-Replayed") == "true", "\(again)")
            #expect(Job(again.object ?? [:]).id == firstID)
            var other = tinyJob
            other["seed"] = 99
            let conflict = try api.post("/v1/jobs", json: other, headers: ["Idempotency-Key": "key-1"])
            #expect(conflict.status == 409, "\(conflict)")
            #expect(listedJobs(try api.get("/v1/jobs")).count == 1)
            // The same request with its keys reordered, other spacing and a number spelt
            // otherwise is the same request: the same job, not a 409.
            let ordered = try api.post("/v1/jobs", rawBody: #"{"epochs": 1, "g_hidden": 8, "d_hidden": 8, "samples_per_epoch": 1, "seed": 5, "learning_rate": 0.002}"#,
                                       headers: ["Idempotency-Key": "key-2"])
            #expect(ordered.status == 201, "\(ordered)")
            let reordered = try api.post("/v1/jobs", rawBody: #"{ "seed":5,"learning_rate":2e-3,"samples_per_epoch":1,"d_hidden":8,"g_hidden":8,"epochs":1 }"#,
                                         headers: ["Idempotency-Key": "key-2"])
            #expect(reordered.status == 200 && reordered.header("Idempotent-Replayed") == "true", "\(reordered)")
            #expect(Job(reordered.object ?? [:]).id == Job(ordered.object ?? [:]).id)
            let otherSeed = try api.post("/v1/jobs", rawBody: #"{"epochs": 1, "g_hidden": 8, "d_hidden": 8, "samples_per_epoch": 1, "seed": 6, "learning_rate": 0.002}"#,
                                         headers: ["Idempotency-Key": "key-2"])
            #expect(otherSeed.status == 409, "\(otherSeed)")

            // Query parameters, on a finished job.
            try api.waitForStatus(firstID, ["completed"], timeout: 60)
            let base = "/v1/jobs/\(firstID)"
            for query in ["losses?since=-1", "losses?since=abc", "losses?wait=61", "losses?wait=-1", "losses?wait=x",
                          "samples?count=0", "samples?count=257", "samples?count=abc", "samples?seed=-1", "samples?seed=x",
                          "samples?columns=0", "samples?columns=x", "samples?pad=9", "samples?pad=-1",
                          "progression?rows=0", "progression?rows=x", "epochs/x/samples", "epochs/-1/samples"] {
                let r = try api.get("\(base)/\(query)")
                #expect((400..<500).contains(r.status), "GET \(query) → \(r)")
                #expect(r.errorCode != nil, "GET \(query): not a JSON error: \(r)")
            }
            for query in ["samples?count=256&columns=16&pad=8", "samples?count=1&pad=0", "losses?since=0&wait=0"] {
                #expect(try api.get("\(base)/\(query)").status == 200, "GET \(query)")
            }
            // A parameter the route does not read, or one given twice, is refused and named,
            // as an unknown body field is: `cout=64` must not pass for the default 16.
            for (query, named) in [("/samples?cout=64", "cout"), ("/samples?count=4&count=64", "count"), ("/losses?since=0&since=1", "since"),
                                   ("/progression?row=3", "row"), ("/checkpoint?epochs=best", "epochs"), ("?verbose=1", "verbose"),
                                   ("/epochs/1/samples?count=4", "count")] {
                let r = try api.get("\(base)\(query)")
                #expect(r.status == 400 && r.errorMessage?.contains(named) == true, "GET \(query) → \(r)")
            }
            let listTypo = try api.get("/v1/jobs?stat=running")
            #expect(listTypo.status == 400 && listTypo.errorCode == "unknown_parameter", "\(listTypo)")

            // Once the dataset is on disk, a batch larger than its training set (mnist5k's
            // 4,000) is refused at POST, not left to fail when its training starts.
            let overTrainingSet = try api.post("/v1/jobs", json: ["epochs": 1, "g_hidden": 8, "d_hidden": 8, "batch_size": 4001])
            #expect(overTrainingSet.status == 409 && overTrainingSet.errorCode == "dataset_too_small"
                    && overTrainingSet.errorMessage?.contains("4000 training images") == true, "\(overTrainingSet.text)")
            let whole = try api.post("/v1/jobs", json: ["epochs": 1, "g_hidden": 8, "d_hidden": 8, "batch_size": 4000, "samples_per_epoch": 1])
            #expect(whole.status == 201, "\(whole) \(whole.text)")

            // Ranges' edges are accepted, and a huge seed comes back exactly.
            let edges = try api.post("/v1/jobs", rawBody: """
                {"epochs": 10000, "batch_size": 1, "z_size": 1024, "g_hidden": 1, "d_hidden": 1, "alpha": 0, "smooth": 0,
                 "learning_rate": 1, "beta1": 0, "seed": 18446744073709551615, "samples_per_epoch": 256, "dataset": "mnist"}
                """)
            #expect(edges.status == 201, "\(edges)")
            #expect(edges.text.contains("18446744073709551615"), "seed echo: \(edges)")
            if let edgeID = edges.object.map({ Job($0).id }) {
                let cancelled = try api.post("/v1/jobs/\(edgeID)/cancel")
                #expect(cancelled.status == 200, "\(cancelled)")
                try api.waitForStatus(edgeID, ["cancelled"], timeout: 15)
            }

            // Still serving.
            #expect(try api.get("/healthz").status == 200)
            let valid = try api.post("/v1/jobs", json: tinyJob)
            #expect(valid.status == 201, "\(valid)")
            if let validID = valid.object.map({ Job($0).id }) {
                try api.waitForStatus(validID, ["completed"], timeout: 60)
            }
            #expect(f.daemon?.isRunning == true)
        }
    }

    /// The largest model peaks near 2,000 MiB of RSS (docs/measurements/memory-estimate-2026-12-04.md):
    /// the daemon must refuse it under 858 MiB, and accept it when the budget covers that peak.
    @Test("the memory estimate counts the whole process: the largest model is refused under 858 MiB")
    func theLargestModelIsOverASmallBudget() throws {
        let largest = #"{"g_hidden": 4096, "d_hidden": 4096, "batch_size": 4000, "z_size": 1024, "epochs": 1}"#
        try Fixture.with("budget") { f in
            try f.start(["memory_budget_bytes": 858 << 20])
            let r = try f.api.post("/v1/jobs", rawBody: largest)
            #expect(r.status == 403 && r.errorCode == "over_budget", "\(r)")
            #expect(r.errorMessage?.contains("858 MiB") == true, "\(r)")
        }
    }

    @Test("--check-config accepts a good file and names the bad key and the file; environment and flags override")
    func configuration() throws {
        try Fixture.with("config") { f in
            func check(_ config: [String: Any], name: String) throws -> (Exit?, String) {
                let file = try f.writeConfig(config, name: name)
                let child = try Child(label: "check-\(name)", executable: Paths.gantry,
                                      arguments: ["serve", "--config", file.path, "--check-config"],
                                      environment: [:], logDirectory: f.root)
                let exit = child.waitForExit(timeout: 30)
                if exit == nil { child.killNow() }
                return (exit, child.stderr + child.stdout)
            }
            let (good, goodOutput) = try check(try f.baseConfig(), name: "good.json")
            #expect(good == .exited(0), "\(goodOutput)")

            for (config, key) in [(["bogus_key": 1] as [String: Any], "bogus_key"),
                                  (["download": ["bogus_nested": 1]], "bogus_nested"),
                                  (["max_queued_jobs": "many"], "max_queued_jobs"),
                                  (["listen": ["host": "127.0.0.1", "prot": 1]], "prot")] {
                let name = "bad-\(key).json"
                let (exit, output) = try check(config, name: name)
                #expect(exit != nil && exit != .exited(0), "\(config) → \(exit.map(\.description) ?? "still running")")
                #expect(output.contains(key), "the error should name \(key): \(output)")
                #expect(output.contains(name), "the error should name the file: \(output)")
            }

            // GANTRY_CONFIG, GANTRY_STATE_DIR and GANTRY_PORT; then --port over GANTRY_PORT.
            let file = try f.writeConfig(try f.baseConfig(), name: "env.json")
            let envState = f.root.appendingPathComponent("env-state")
            let viaEnv = try Child(label: "gantry-env", executable: Paths.gantry, arguments: ["serve"],
                                   environment: ["GANTRY_CONFIG": file.path, "GANTRY_STATE_DIR": envState.path, "GANTRY_PORT": "0"],
                                   logDirectory: f.root)
            defer { viaEnv.killNow() }
            let (_, groups) = try viaEnv.waitForLine(matching: #"^gantry: listening on http://(\S+):(\d+)$"#, timeout: 30)
            #expect(groups[0] == "127.0.0.1")
            let port = Int(groups[1]) ?? 0
            #expect(port > 0)
            #expect(try API(port: port).get("/healthz").status == 200)
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: envState.path)) ?? []).isEmpty == false,
                    "GANTRY_STATE_DIR should hold the store")
            #expect(!FileManager.default.fileExists(atPath: f.stateDir.path), "the config's state_dir should be overridden")
            #expect(viaEnv.stop() == .exited(0))

            let flagState = f.root.appendingPathComponent("flag-state")
            let viaFlags = try Child(label: "gantry-flags", executable: Paths.gantry,
                                     arguments: ["serve", "--port", "0", "--state-dir", flagState.path, "--host", "127.0.0.1"],
                                     environment: ["GANTRY_CONFIG": file.path, "GANTRY_PORT": "1", "GANTRY_HOST": "256.0.0.1"],
                                     logDirectory: f.root)
            defer { viaFlags.killNow() }
            let (_, flagGroups) = try viaFlags.waitForLine(matching: #"^gantry: listening on http://(\S+):(\d+)$"#, timeout: 30)
            #expect(flagGroups[0] == "127.0.0.1")
            #expect(Int(flagGroups[1]).map { $0 > 1 } == true)
            #expect(FileManager.default.fileExists(atPath: flagState.path))
            #expect(viaFlags.stop() == .exited(0))
        }
    }
}
