import Foundation
import HTTPServer
import Testing
@testable import GantryAPI

/// The job handlers against the real store and scheduler, without a socket: what each
/// answers, and how the HTTP layer (`ErrorResponses`) turns what they throw into statuses.
@Suite(.serialized) final class JobsAPITests {
    let fixture: ServiceFixture
    let api: JobsAPI
    let http = HandlerHarness()

    init() throws {
        fixture = try ServiceFixture()
        api = JobsAPI(scheduler: fixture.scheduler, references: fixture.references, store: fixture.store,
                      notifier: fixture.notifier, datasets: ["mnist5k"], memoryBudgetBytes: 1 << 31)
    }

    static let body = #"{"dataset": "mnist5k", "epochs": 10000, "g_hidden": 8, "d_hidden": 8, "eval_every": 0, "samples_per_epoch": 1, "seed": 2}"#

    @Test func createReplayConflictShowCancelDelete() throws {
        let keyed = http.request(.post, "/v1/jobs", body: Self.body, headers: [("Idempotency-Key", "k1")])
        let created = http.answer({ try api.create(keyed) }, keyed)
        #expect(created.status.code == 201)
        let id = try #require(http.json(created)["id"] as? String)
        #expect(created.headers["Location"] == "/v1/jobs/\(id)")

        let replay = http.answer({ try api.create(keyed) }, keyed)
        #expect(replay.status.code == 200 && http.json(replay)["id"] as? String == id && replay.headers["Idempotent-Replayed"] == "true")
        let other = http.request(.post, "/v1/jobs", body: #"{"dataset": "mnist5k", "epochs": 2}"#, headers: [("Idempotency-Key", "k1")])
        let conflict = http.answer({ try api.create(other) }, other)
        #expect(conflict.status.code == 409 && http.code(conflict) == "idempotency_conflict")

        let show = http.request(.get, "/v1/jobs/\(id)")
        #expect(http.answer({ try api.show(show) }, show).status.code == 200)

        let bad = http.request(.get, "/v1/jobs", query: [("status", "sleeping")])
        #expect(http.answer({ try api.list(bad) }, bad).status.code == 400)

        // Running: DELETE is a 409 naming the status; cancel stops it; then DELETE is a 204.
        let deadline = Date().addingTimeInterval(30)
        while fixture.scheduler.activeJob(id) == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let delete = http.request(.delete, "/v1/jobs/\(id)")
        let early = http.answer({ try api.delete(delete) }, delete)
        #expect(early.status.code == 409 && http.code(early) == "job_not_finished")
        let cancel = http.request(.post, "/v1/jobs/\(id)/cancel")
        #expect(http.json(http.answer({ try api.cancel(cancel) }, cancel))["status"] as? String == "cancelled")
        // Held in memory after a read: the connection-queue answer is the same bytes (compared
        // once the job is stopped; a training job's step count moves between two reads).
        let stopped = try api.show(show).body
        #expect(api.showIfCached(show)?.body == stopped)
        #expect(http.answer({ try api.delete(delete) }, delete).status.code == 204)
        let gone = http.answer({ try api.show(show) }, show)
        #expect(gone.status.code == 404)
    }

    @Test func aStoreFailureIsA503WithARequestIDAndNoDetails() throws {
        fixture.store.fail("insert")
        let create = http.request(.post, "/v1/jobs", body: Self.body)
        let response = http.answer({ try api.create(create) }, create)
        let error = http.json(response)["error"] as? [String: Any]
        #expect(response.status.code == 503 && error?["code"] as? String == "store_unavailable")
        #expect(response.headers["Retry-After"] == "5")
        let message = error?["message"] as? String ?? ""
        #expect(message.contains("request ") && !message.contains("injected") && !message.contains("insert"), "\(message)")
    }
}
