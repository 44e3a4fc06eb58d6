import Foundation
import HTTPServer
import Testing
@testable import GantryService

/// The job handlers against the real store and scheduler, without a socket: what each
/// answers, and how the HTTP layer (`ErrorResponses`) turns what they throw into statuses.
@Suite(.serialized) final class JobsAPITests {
    let fixture: ServiceFixture
    let api: JobsAPI
    let failures = ErrorResponses(logger: .silent)

    init() throws {
        fixture = try ServiceFixture()
        api = JobsAPI(scheduler: fixture.scheduler, references: fixture.references, store: fixture.store,
                      notifier: fixture.notifier, datasets: ["mnist5k"], memoryBudgetBytes: 1 << 31)
    }

    func request(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: String = "",
                 headers: [(String, String)] = []) -> HTTPRequest {
        let segments = path.split(separator: "/").map(String.init)
        var request = HTTPRequest(method: method, target: path, path: path, pathSegments: segments,
                                  queryItems: query.map { QueryItem(name: $0.0, value: $0.1) },
                                  headers: HTTPHeaders(headers), body: Array(body.utf8))
        if segments.count >= 3 { request.pathParameters = ["id": segments[2]] }
        return request
    }

    /// What the client would get: the handler's response, or its error as the HTTP layer answers it.
    func answer(_ body: () throws -> HTTPResponse, _ request: HTTPRequest) -> HTTPResponse {
        do { return try body() } catch { return failures.response(for: error, to: request) }
    }

    func json(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }

    static let body = #"{"dataset": "mnist5k", "epochs": 10000, "g_hidden": 8, "d_hidden": 8, "eval_every": 0, "samples_per_epoch": 1, "seed": 2}"#

    @Test func createReplayConflictShowCancelDelete() throws {
        let keyed = request(.post, "/v1/jobs", body: Self.body, headers: [("Idempotency-Key", "k1")])
        let created = answer({ try api.create(keyed) }, keyed)
        #expect(created.status.code == 201)
        let id = try #require(json(created)["id"] as? String)
        #expect(created.headers["Location"] == "/v1/jobs/\(id)")

        let replay = answer({ try api.create(keyed) }, keyed)
        #expect(replay.status.code == 200 && json(replay)["id"] as? String == id && replay.headers["Idempotent-Replayed"] == "true")
        let other = request(.post, "/v1/jobs", body: #"{"dataset": "mnist5k", "epochs": 2}"#, headers: [("Idempotency-Key", "k1")])
        let conflict = answer({ try api.create(other) }, other)
        #expect(conflict.status.code == 409 && (json(conflict)["error"] as? [String: Any])?["code"] as? String == "idempotency_conflict")

        let show = request(.get, "/v1/jobs/\(id)")
        #expect(answer({ try api.show(show) }, show).status.code == 200)
        // Held in memory after that read: the connection-queue answer is the same bytes.
        #expect(api.showIfCached(show)?.body == (try api.show(show)).body)

        let bad = request(.get, "/v1/jobs", query: [("status", "sleeping")])
        #expect(answer({ try api.list(bad) }, bad).status.code == 400)

        // Running: DELETE is a 409 naming the status; cancel stops it; then DELETE is a 204.
        let deadline = Date().addingTimeInterval(30)
        while fixture.scheduler.activeJob(id) == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let delete = request(.delete, "/v1/jobs/\(id)")
        let early = answer({ try api.delete(delete) }, delete)
        #expect(early.status.code == 409 && (json(early)["error"] as? [String: Any])?["code"] as? String == "job_not_finished")
        let cancel = request(.post, "/v1/jobs/\(id)/cancel")
        #expect(json(answer({ try api.cancel(cancel) }, cancel))["status"] as? String == "cancelled")
        #expect(answer({ try api.delete(delete) }, delete).status.code == 204)
        let gone = answer({ try api.show(show) }, show)
        #expect(gone.status.code == 404)
    }

    @Test func aStoreFailureIsA503WithARequestIDAndNoDetails() throws {
        fixture.store.fail("insert")
        let create = request(.post, "/v1/jobs", body: Self.body)
        let response = answer({ try api.create(create) }, create)
        let error = json(response)["error"] as? [String: Any]
        #expect(response.status.code == 503 && error?["code"] as? String == "store_unavailable")
        #expect(response.headers["Retry-After"] == "5")
        let message = error?["message"] as? String ?? ""
        #expect(message.contains("request ") && !message.contains("injected") && !message.contains("insert"), "\(message)")
    }
}
