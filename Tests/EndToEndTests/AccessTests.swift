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
}
