import Foundation
import Testing

/// End-to-end tests of `gantry serve`: each test starts the real binary (the one
/// `swift test` builds beside this bundle) with a temporary state folder and a
/// config whose `mnist` mirror is a local HTTP server serving the repository's `fixtures/mnist5k`,
/// and talks HTTP to it. They run one at a time: several trainers on two cores
/// would make the timing-sensitive ones (kill during epoch 3) flaky.
///
/// Every wait is bounded, and every process is killed when the test ends
/// (a watchdog kills the daemon even if the test process crashes).
/// `GANTRY_E2E_BINARY` points the tests at another binary; `GANTRY_E2E_KEEP=1`
/// keeps each test's folder (config, state, logs).
@Suite("gantry serve, end to end", .serialized)
struct EndToEndTests {}

/// A job that finishes in well under a second on mnist5k.
var tinyJob: [String: Any] { ["epochs": 1, "g_hidden": 8, "d_hidden": 8, "samples_per_epoch": 1] }

/// The jobs listed by `GET /v1/jobs`, whether the body is an array or `{"jobs": [...]}`.
func listedJobs(_ r: Response) -> [Job] {
    let parsed = try? JSONSerialization.jsonObject(with: Data(r.body), options: [.fragmentsAllowed])
    if let array = parsed as? [[String: Any]] { return array.map(Job.init) }
    if let object = parsed as? [String: Any], let array = object["jobs"] as? [[String: Any]] { return array.map(Job.init) }
    return []
}

func isJSON(_ r: Response) -> Bool {
    r.header("Content-Type")?.lowercased().hasPrefix("application/json") == true && r.object != nil
}

/// The loss records' epoch numbers.
func epochNumbers(_ records: [[String: Any]]) -> [Int] { records.map { $0["epoch"] as? Int ?? -1 } }

/// Polls `condition` every 50 ms until it holds (true) or `timeout` seconds pass (false).
func eventually(timeout: Double, _ condition: () throws -> Bool) throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        Thread.sleep(forTimeInterval: 0.05)
    }
}
