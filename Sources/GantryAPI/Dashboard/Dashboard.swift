import HTTPServer

/// The browser dashboard: a page and the scripts and style it loads, served from
/// memory outside `/v1`. The files hold no data and need no token; the page asks
/// for the token and sends it on its own API calls.
enum Dashboard {
    static let javascript = "text/javascript; charset=utf-8"

    /// Every file, by the path it is served at. The page routes inside itself
    /// (`/#/jobs/ID`), so `/` is its only HTML path.
    static let assets: [DashboardAsset] = [
        DashboardAsset(path: "/", contentType: "text/html; charset=utf-8", text: DashboardFiles.indexHTML),
        DashboardAsset(path: "/ui/style.css", contentType: "text/css; charset=utf-8", text: DashboardFiles.styleCSS),
        DashboardAsset(path: "/ui/icon.svg", contentType: "image/svg+xml", text: DashboardFiles.iconSVG),
        DashboardAsset(path: "/ui/app.js", contentType: javascript, text: DashboardFiles.appJS),
        DashboardAsset(path: "/ui/api.js", contentType: javascript, text: DashboardFiles.apiJS),
        DashboardAsset(path: "/ui/dom.js", contentType: javascript, text: DashboardFiles.domJS),
        DashboardAsset(path: "/ui/pgm.js", contentType: javascript, text: DashboardFiles.pgmJS),
        DashboardAsset(path: "/ui/chart.js", contentType: javascript, text: DashboardFiles.chartJS),
        DashboardAsset(path: "/ui/jobs.js", contentType: javascript, text: DashboardFiles.jobsJS),
        DashboardAsset(path: "/ui/job-form.js", contentType: javascript, text: DashboardFiles.jobFormJS),
        DashboardAsset(path: "/ui/job.js", contentType: javascript, text: DashboardFiles.jobJS),
    ]

    /// Registers a GET (and so HEAD) route per file, answered on the connection's
    /// queue: the bytes are in memory, so nothing waits behind a pool.
    static func register(on router: inout Router, counting count: @escaping @Sendable (Int) -> Void) {
        for asset in assets {
            router.get(asset.path) { request in
                let response = asset.response(to: request)
                count(response.status.code)
                return response
            }
        }
    }
}

/// The dashboard's files as text, one extension per file (`Dashboard/Files/`).
enum DashboardFiles {}
