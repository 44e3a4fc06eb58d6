import Foundation
import GantryTestSupport
import Testing

extension EndToEndTests {
    @Test("GETs of a job's record, losses, samples, checkpoint, progression and epoch grid racing its DELETE answer 200 or 404, never 500")
    func readsRacingADeleteAnswerOnly200Or404() throws {
        try Fixture.with("deleterace") { f in
            try f.start()
            let api = f.api
            var seen: [Int: Int] = [:]
            for round in 0..<6 {
                let job = try api.createJob(["epochs": 2, "g_hidden": 8, "d_hidden": 8, "samples_per_epoch": 1, "eval_every": 0, "seed": 10 + round])
                #expect(try api.waitForStatus(job.id, ["completed", "failed"], timeout: 60).status == "completed")
                let id = job.id
                let paths = ["", "/losses", "/samples", "/checkpoint", "/progression", "/epochs/1/samples"].map { "/v1/jobs/\(id)\($0)" }
                // Request 0 deletes once the readers are under way; each reader loops over the
                // paths until it has seen the job gone (404) or run 40 requests.
                let outcomes = concurrently(1 + paths.count) { i in
                    if i == 0 {
                        Thread.sleep(forTimeInterval: 0.05)
                        return try api.delete("/v1/jobs/\(id)")
                    }
                    var last = try api.get(paths[i - 1])
                    for _ in 0..<40 where [200].contains(last.status) { last = try api.get(paths[i - 1]) }
                    return last
                }
                for outcome in outcomes {
                    let status = outcome.response?.status ?? -1
                    seen[status, default: 0] += 1
                    if outcome.index == 0 {
                        #expect(status == 204, "DELETE: \(outcome)")
                    } else {
                        #expect([200, 404].contains(status), "\(paths[outcome.index - 1]) racing DELETE: \(outcome)")
                    }
                }
            }
            print("statuses seen: \(seen.sorted { $0.key < $1.key })")
        }
    }
}
