import Foundation
import Testing

/// Who may drive the daemon: the token gate, the Host, Origin and Content-Type
/// checks, and what error messages give away. Each on the real binary, over a socket.
extension EndToEndTests {
    @Test("auth: every percent-encoded spelling of /v1 (and absolute-form) is a 401 without the token and routes as /v1 with it")
    func encodedPrefixesNeedTheToken() throws {
        try Fixture.with("authencoded") { f in
            let tokenFile = f.root.appendingPathComponent("token")
            let token = "encoded-Token_0123456789"
            try Data(token.utf8).write(to: tokenFile)
            try f.start(["auth_token_file": tokenFile.path])
            let open = API(port: f.port), authed = API(port: f.port, token: token)
            let job = try authed.createJob(tinyJob)
            #expect(try authed.waitForStatus(job.id, ["completed", "failed"], timeout: 60).status == "completed")

            // Each spelling routes exactly as /v1 does once the token is given.
            let absolute = "http://127.0.0.1:\(f.port)"
            let prefixes = ["/v%31", "/%76%31", "/%761", "/v1", absolute + "/%761", absolute + "/v%31"]
            for prefix in prefixes {
                for path in ["\(prefix)/jobs", "\(prefix)/%6Aobs", "\(prefix)/%6a%6f%62%73", "\(prefix)/jobs/\(job.id)", "\(prefix)/jobs/\(job.id)/checkpoint",
                             "\(prefix)/jobs/\(job.id)/samples", "\(prefix)/datasets", "\(prefix)/nonexistent"] {
                    let refused = try open.get(path)
                    #expect(refused.status == 401 && refused.errorCode == "unauthorized", "GET \(path) without the token → \(refused)")
                }
                let post = try open.post("\(prefix)/jobs", json: tinyJob)
                #expect(post.status == 401, "POST \(prefix)/jobs without the token → \(post)")
                let cancel = try open.post("\(prefix)/jobs/\(job.id)/cancel")
                #expect(cancel.status == 401, "POST \(prefix)/jobs/ID/cancel without the token → \(cancel)")
                let delete = try open.delete("\(prefix)/jobs/\(job.id)")
                #expect(delete.status == 401, "DELETE \(prefix)/jobs/ID without the token → \(delete)")
                let put = try open.send("PUT", "\(prefix)/jobs")
                #expect(put.status == 401, "PUT \(prefix)/jobs without the token → \(put)")

                #expect(try authed.get("\(prefix)/jobs").status == 200, "GET \(prefix)/jobs with the token")
                #expect(try authed.get("\(prefix)/jobs/\(job.id)/checkpoint").status == 200, "checkpoint under \(prefix)")
                #expect(try authed.get("\(prefix)/nonexistent").status == 404, "unknown path under \(prefix)")
            }
            #expect(listedJobs(try authed.get("/v1/jobs")).map(\.id) == [job.id], "no unauthenticated POST created a job")
            #expect(try authed.job(job.id).status == "completed", "no unauthenticated DELETE or cancel touched the job")

            // With the token, an encoded DELETE works like the plain one.
            let delete = try authed.delete("/%76%31/jobs/\(job.id)")
            #expect(delete.status == 204, "\(delete)")
            #expect(try authed.get("/v1/jobs/\(job.id)").status == 404)
        }
    }

    @Test("auth: /v1/openapi.json, and only it under /v1, is served without the token")
    func theAPIDocumentIsPublic() throws {
        try Fixture.with("authopenapi") { f in
            let tokenFile = f.root.appendingPathComponent("token")
            try Data("openapi-Token_0123456789".utf8).write(to: tokenFile)
            try f.start(["auth_token_file": tokenFile.path])
            let open = API(port: f.port)
            for path in ["/v1/openapi.json", "/v%31/openapi.json", "/v1/openapi%2Ejson"] {
                let document = try open.get(path)
                #expect(document.status == 200 && document.header("Content-Type") == "application/json", "GET \(path) → \(document.status)")
                #expect(document.object?["openapi"] as? String == "3.1.0", "GET \(path): not the document")
            }
            let document = try open.get("/v1/openapi.json")
            let etag = try #require(document.header("ETag"))
            #expect(try open.get("/v1/openapi.json", headers: ["If-None-Match": etag]).status == 304)
            // Its neighbours, and paths that merely start or end like it, are still behind the token.
            for path in ["/v1/openapi.json/", "/v1/openapi.json/x", "/v1/openapi.jsonx", "/v1/openapi", "/v1/jobs/openapi.json", "/v1", "/v1/jobs",
                         "/v1/./jobs", "/v1/openapi.json/../jobs"] {
                let refused = try open.get(path)
                #expect(refused.status == 401 || refused.status == 400, "GET \(path) without the token → \(refused)")
                #expect(refused.status != 200)
            }
            #expect(try open.post("/v1/openapi.json", json: ["x": 1]).status == 405, "a POST to the document is a 405, not a way in")
        }
    }

    @Test("cross-site: a foreign Host is a 400, a cross-site POST/DELETE a 403, a body not declared JSON a 415; the daemon's own names and origin still work")
    func aWebPageCannotDriveTheDaemon() throws {
        try Fixture.with("crosssite") { f in
            try f.start(["allowed_hosts": ["gantry.example"]])
            let api = f.api
            let body = Array(#"{"epochs": 1}"#.utf8)
            func request(_ method: String, _ path: String, _ headers: [String: String], body: [UInt8]? = nil) throws -> Response {
                try HTTPClient.request(port: f.port, method: method, path: path, headers: headers, body: body)
            }

            // DNS rebinding: the page's name reaches the port, and names itself in Host.
            for host in ["evil.example", "evil.example:\(f.port)", "127.0.0.2:\(f.port)", ""] {
                for (method, path) in [("GET", "/v1/jobs"), ("GET", "/healthz"), ("GET", "/"), ("DELETE", "/v1/jobs/x")] {
                    let r = try request(method, path, ["Host": host])
                    #expect(r.status == 400 && r.errorCode == "host_not_allowed", "\(method) \(path) Host \(host) → \(r)")
                }
            }
            for host in ["localhost", "LOCALHOST:\(f.port)", "127.0.0.1", "127.0.0.1:\(f.port)", "[::1]:\(f.port)", "gantry.example", "gantry.example:\(f.port)"] {
                let r = try request("GET", "/v1/jobs", ["Host": host])
                #expect(r.status == 200, "GET with Host \(host) → \(r)")
            }

            // A "simple" cross-site form post: text/plain, or no type at all, with a JSON body.
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", nil] {
                let r = try request("POST", "/v1/jobs", type.map { ["Content-Type": $0] } ?? [:], body: body)
                #expect(r.status == 415 && r.errorCode == "unsupported_media_type", "POST with \(type ?? "no type") → \(r)")
            }
            #expect(listedJobs(try api.get("/v1/jobs")).isEmpty, "no refused POST created a job")

            // State changes another site starts, whatever they carry.
            let json = ["Content-Type": "application/json"]
            for extra in [["Origin": "http://evil.example"], ["Origin": "null"], ["Origin": "http://127.0.0.1:\(f.port + 1)"],
                          ["Sec-Fetch-Site": "cross-site"], ["Origin": "http://127.0.0.1:\(f.port)", "Sec-Fetch-Site": "cross-site"]] {
                let post = try request("POST", "/v1/jobs", json.merging(extra) { $1 }, body: body)
                #expect(post.status == 403 && post.errorCode == "cross_origin", "POST with \(extra) → \(post)")
            }
            #expect(listedJobs(try api.get("/v1/jobs")).isEmpty, "no cross-site POST created a job")

            // The dashboard's own requests: same origin, JSON typed, cancel and delete with no body.
            let own = ["Origin": "http://127.0.0.1:\(f.port)", "Sec-Fetch-Site": "same-origin"]
            let created = try request("POST", "/v1/jobs", json.merging(own) { $1 }, body: body)
            #expect(created.status == 201, "\(created)")
            let id = try #require(created.object?["id"] as? String)
            let crossCancel = try request("POST", "/v1/jobs/\(id)/cancel", ["Origin": "http://evil.example"])
            #expect(crossCancel.status == 403, "\(crossCancel)")
            let crossDelete = try request("DELETE", "/v1/jobs/\(id)", ["Sec-Fetch-Site": "cross-site"])
            #expect(crossDelete.status == 403, "\(crossDelete)")
            #expect(try request("POST", "/v1/jobs/\(id)/cancel", own).status == 200)
            #expect(try request("DELETE", "/v1/jobs/\(id)", own).status == 204)
            // A cross-site GET is not a state change: it still reads (its answer is not the page's to read).
            #expect(try request("GET", "/v1/jobs", ["Sec-Fetch-Site": "cross-site"]).status == 200)
        }
    }
}
