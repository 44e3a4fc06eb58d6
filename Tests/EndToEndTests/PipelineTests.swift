import Foundation
import Testing

/// What every request passes through, whatever its route: a request id on every
/// answer, and counting and timing that see refusals and unknown paths too. On the
/// real binary, over a socket.
extension EndToEndTests {
    @Test("pipeline: every answer carries an X-Request-Id; a client's plain id is kept, any other replaced")
    func everyAnswerHasARequestID() throws {
        try Fixture.with("requestids") { f in
            let tokenFile = f.root.appendingPathComponent("token")
            let token = "pipeline-Token_0123456789"
            try Data(token.utf8).write(to: tokenFile)
            try f.start(["auth_token_file": tokenFile.path])
            let open = API(port: f.port), authed = API(port: f.port, token: token)

            let answers: [(String, Response)] = [
                ("healthz", try open.get("/healthz")),
                ("dashboard", try open.get("/")),
                ("openapi", try open.get("/v1/openapi.json")),
                ("no token", try open.get("/v1/jobs")),
                ("no token, unknown path", try open.get("/v1/nonexistent")),
                ("unknown path", try authed.get("/v1/nonexistent")),
                ("outside /v1", try open.get("/nonexistent")),
                ("wrong method", try authed.send("PUT", "/v1/jobs")),
                ("bad query", try authed.get("/v1/jobs?limit=0")),
                ("unknown job", try authed.get("/v1/jobs/no-such-job")),
                ("list", try authed.get("/v1/jobs")),
                ("bad Host", try HTTPClient.request(port: f.port, method: "GET", path: "/healthz", headers: ["Host": "evil.example"])),
            ]
            var ids: Set<String> = []
            for (what, answer) in answers {
                let id = answer.header("X-Request-Id")
                #expect(id.map { !$0.isEmpty && $0.utf8.count <= 15 } == true, "\(what) (\(answer.status)): X-Request-Id \(id ?? "missing")")
                if let id { ids.insert(id) }
            }
            #expect(ids.count == answers.count, "every request has its own id: \(ids.sorted())")
            #expect(answers.map(\.1.status) == [200, 200, 200, 401, 401, 404, 404, 405, 400, 404, 200, 400],
                    "\(answers.map { "\($0.0) \($0.1.status)" })")

            // A client's (or proxy's) id of plain characters is kept, refusals included.
            let chosen = "client-trace_42:7.a"
            #expect(try authed.get("/v1/jobs", headers: ["X-Request-Id": chosen]).header("X-Request-Id") == chosen)
            #expect(try open.get("/v1/jobs", headers: ["X-Request-Id": chosen]).header("X-Request-Id") == chosen)
            // Anything else is replaced by one of the daemon's, never echoed.
            for hostile in ["a b", "id\"},{\"x", String(repeating: "a", count: 65), "", "%0d%0aX-Evil:%201"] {
                let answer = try authed.get("/v1/jobs", headers: ["X-Request-Id": hostile])
                let id = answer.header("X-Request-Id") ?? ""
                #expect(answer.status == 200 && id != hostile && !id.isEmpty && id.utf8.count <= 15, "\(hostile.debugDescription) → \(id)")
            }
            // Two ids in one request: neither is trusted.
            let twice = try HTTPClient.raw(port: f.port, bytes: Array(
                "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Request-Id: one\r\nX-Request-Id: two\r\n\r\n".utf8))
            #expect(twice.status == 200 && !["one", "two"].contains(twice.header("X-Request-Id") ?? "one"), "\(twice.headers)")
        }
    }

    @Test("pipeline: /metrics counts and times every answer, refusals and unknown paths included")
    func metricsCountEveryAnswer() throws {
        try Fixture.with("requestcounts") { f in
            let tokenFile = f.root.appendingPathComponent("token")
            let token = "counting-Token_0123456789"
            try Data(token.utf8).write(to: tokenFile)
            try f.start(["auth_token_file": tokenFile.path])
            let open = API(port: f.port), authed = API(port: f.port, token: token)
            func metric(_ name: String) throws -> Int {
                let text = try authed.get("/metrics").text
                guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + " ") }),
                      let value = Double(line.split(separator: " ").last ?? "") else { return 0 }
                return Int(value)
            }
            let before401 = try metric("gantry_http_requests_total{code=\"401\"}")
            let before404 = try metric("gantry_http_requests_total{code=\"404\"}")
            for _ in 0..<3 { _ = try open.get("/v1/jobs") }
            for _ in 0..<2 { _ = try authed.get("/v1/nonexistent") }
            _ = try authed.get("/v1/jobs/no-such-job")
            #expect(try metric("gantry_http_requests_total{code=\"401\"}") == before401 + 3)
            #expect(try metric("gantry_http_requests_total{code=\"404\"}") == before404 + 3)

            // The histogram has seen exactly the requests the counter has, each bucket at
            // least the one before it.
            let text = try authed.get("/metrics").text
            let lines = text.split(separator: "\n").map(String.init)
            let counted = lines.filter { $0.hasPrefix("gantry_http_requests_total{") }
                .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
            let buckets = lines.filter { $0.hasPrefix("gantry_http_request_duration_seconds_bucket{") }
                .compactMap { Int($0.split(separator: " ").last ?? "") }
            let count = lines.first { $0.hasPrefix("gantry_http_request_duration_seconds_count ") }
                .flatMap { Int($0.split(separator: " ").last ?? "") }
            #expect(buckets.count == 9 && buckets == buckets.sorted() && buckets.last == count, "\(buckets) \(count ?? -1)")
            #expect(count == counted && counted > 6, "histogram \(count ?? -1), counter \(counted)")
            #expect(lines.contains { $0.hasPrefix("# TYPE gantry_http_request_duration_seconds histogram") })
        }
    }
}
