import Foundation
import GantryTestSupport
import Testing

/// The browser dashboard in real headless Chromium, driven by Selenium
/// (`Tests/Browser/dashboard.py`) against the real daemon. The script prints one
/// `ok:` line per check and the path of every screenshot; the test fails with its
/// whole output when it exits non-zero. Screenshots go to `$GANTRY_SCREENSHOTS`
/// when set, else to `screenshots/` in the test's folder, which is kept (and printed)
/// when the test fails or `GANTRY_E2E_KEEP=1`, like every end-to-end test's folder. `GANTRY_DASHBOARD_EPOCHS` sets the first job's epochs (default 200).
extension EndToEndTests {
    static let browserNeed = "Chromium, chromedriver and Python's selenium (scripts/setup installs chromium, chromium-driver, python3-selenium)"

    static let browserAvailable: Bool = {
        guard ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3"].allSatisfy(FileManager.default.isExecutableFile(atPath:))
        else { return false }
        return Fixture.run("/usr/bin/python3", ["-c", "import selenium.webdriver"]) == 0
    }()

    @Test("dashboard in Chromium: a 400 beside its field, a job from the form (double submit: one job), the loss chart gaining points, digit canvases, the epoch slider, downloads, cancel and delete with confirmation, dark and 200% zoom, no console errors",
          .needs(browserNeed, browserAvailable))
    func dashboardInChromium() throws {
        try requireResource(Self.browserNeed, Self.browserAvailable)
        try Fixture.with("dashboard") { f in
            try f.start()
            let epochs = ProcessInfo.processInfo.environment["GANTRY_DASHBOARD_EPOCHS"] ?? "200"
            try runBrowser(f, ["main", "--epochs", epochs], label: "browser-main", timeout: 600)
        }
    }

    @Test("dashboard with a token: the files load without it, the page's calls are refused until it is entered, a wrong one is named, the right one is kept for the tab",
          .needs(browserNeed, browserAvailable))
    func dashboardAsksForToken() throws {
        try requireResource(Self.browserNeed, Self.browserAvailable)
        try Fixture.with("dashboard-auth") { f in
            let token = "dashboard-Token_0123456789"
            let tokenFile = f.root.appendingPathComponent("token")
            try Data(token.utf8).write(to: tokenFile)
            f.token = token
            try f.start(["auth_token_file": tokenFile.path])
            // Over the wire, without a token: the files answer (a 304 to their ETag, with no
            // Content-Length), the API does not.
            for path in Self.dashboardPaths {
                let first = try HTTPClient.request(port: f.port, method: "GET", path: path)
                #expect(first.status == 200 && !first.body.isEmpty, "\(path): \(first)")
                let etag = try #require(first.header("ETag"), "\(path)")
                let again = try HTTPClient.request(port: f.port, method: "GET", path: path, headers: ["If-None-Match": etag])
                #expect(again.status == 304 && again.body.isEmpty && again.header("Content-Length") == nil, "\(path): \(again.headers)")
            }
            #expect(try HTTPClient.request(port: f.port, method: "GET", path: "/v1/jobs").status == 401)
            let job = try f.api.createJob(["epochs": 2, "g_hidden": 16, "d_hidden": 16, "samples_per_epoch": 4, "eval_every": 0])
            _ = try f.api.waitForStatus(job.id, ["completed"], timeout: 120)
            try runBrowser(f, ["auth", "--token", token, "--job-id", job.id], label: "browser-auth", timeout: 300)
        }
    }

    @Test("dashboard pages: 120 jobs show 50 a page, Older follows the cursor to the last 20, Newer comes back, a later page stays put while a job is created",
          .needs(browserNeed, browserAvailable))
    func dashboardPagesTheJobList() throws {
        try requireResource(Self.browserNeed, Self.browserAvailable)
        try Fixture.with("dashboard-pages") { f in
            try f.start()
            for _ in 0..<120 {
                let job = try f.api.createJob(["epochs": 1000, "eval_every": 0, "samples_per_epoch": 1])
                #expect(try f.api.post("/v1/jobs/\(job.id)/cancel").status == 200)
            }
            try runBrowser(f, ["pages"], label: "browser-pages", timeout: 300)
        }
    }

    /// Runs the Selenium script against `f`'s daemon; throws with its output unless it exits 0.
    private func runBrowser(_ f: Fixture, _ arguments: [String], label: String, timeout: Double) throws {
        let folder = Self.screenshotFolder(in: f)
        let script = Paths.repository.appendingPathComponent("Tests/Browser/dashboard.py").path
        let browser = try Child(label: label, executable: "/usr/bin/python3",
                                arguments: [script, "--url", "http://127.0.0.1:\(f.port)", "--screenshots", folder.path] + arguments,
                                environment: ["PYTHONUNBUFFERED": "1"], logDirectory: f.root)
        let exit = browser.waitForExit(timeout: timeout) ?? browser.killNow()
        print("dashboard (\(label)): screenshots in \(folder.path)\n\(browser.stdout)")
        guard exit == .exited(0) else {
            throw HTTPClientError("\(label) ended with \(exit.map(\.description) ?? "no exit") after at most \(Int(timeout)) s:\n"
                                  + "\(browser.stdout)\nstderr:\n\(browser.stderrTail(lines: 30))")
        }
    }

    /// The paths the dashboard's files are served at (GantryAPI's `Dashboard.assets`).
    static let dashboardPaths = ["/", "/ui/style.css", "/ui/icon.svg", "/ui/app.js", "/ui/api.js", "/ui/dom.js", "/ui/pgm.js",
                                 "/ui/chart.js", "/ui/jobs.js", "/ui/job-form.js", "/ui/job.js"]

    private static func screenshotFolder(in f: Fixture) -> URL {
        let chosen = ProcessInfo.processInfo.environment["GANTRY_SCREENSHOTS"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        let url = chosen ?? f.root.appendingPathComponent("screenshots")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
