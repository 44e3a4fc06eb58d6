import HTTPServer

/// The browser dashboard: a page and the scripts and style it loads, served from
/// memory outside `/v1`. The files hold no data and need no token; the page asks
/// for the token and sends it on its own API calls.
enum Dashboard {
    static let javascript = "text/javascript; charset=utf-8"

    /// Every file, by the path it is served at. The page routes inside itself
    /// (`/#/jobs/ID`), so `/` is its only HTML path.
    static let assets: [DashboardAsset] = [
        DashboardAsset(path: "/", contentType: "text/html; charset=utf-8", bytes: DashboardFiles.indexHTML),
        DashboardAsset(path: "/ui/style.css", contentType: "text/css; charset=utf-8", bytes: DashboardFiles.styleCSS),
        DashboardAsset(path: "/ui/icon.svg", contentType: "image/svg+xml", bytes: DashboardFiles.iconSVG),
        DashboardAsset(path: "/ui/app.js", contentType: javascript, bytes: DashboardFiles.appJS),
        DashboardAsset(path: "/ui/api.js", contentType: javascript, bytes: DashboardFiles.apiJS),
        DashboardAsset(path: "/ui/dom.js", contentType: javascript, bytes: DashboardFiles.domJS),
        DashboardAsset(path: "/ui/pgm.js", contentType: javascript, bytes: DashboardFiles.pgmJS),
        DashboardAsset(path: "/ui/chart.js", contentType: javascript, bytes: DashboardFiles.chartJS),
        DashboardAsset(path: "/ui/jobs.js", contentType: javascript, bytes: DashboardFiles.jobsJS),
        DashboardAsset(path: "/ui/job-form.js", contentType: javascript, bytes: DashboardFiles.jobFormJS),
        DashboardAsset(path: "/ui/job.js", contentType: javascript, bytes: DashboardFiles.jobJS),
    ]

    /// Registers a GET (and so HEAD) route per file.
    static func register(on router: inout Router) {
        for asset in assets { asset.register(on: &router) }
    }
}

/// The dashboard's files (`Dashboard/Files/`), as SwiftPM compiled them in.
enum DashboardFiles {
    static let indexHTML = PackageResources.index_html
    static let styleCSS = PackageResources.style_css
    static let iconSVG = PackageResources.icon_svg
    static let appJS = PackageResources.app_js
    static let apiJS = PackageResources.api_js
    static let domJS = PackageResources.dom_js
    static let pgmJS = PackageResources.pgm_js
    static let chartJS = PackageResources.chart_js
    static let jobsJS = PackageResources.jobs_js
    static let jobFormJS = PackageResources.job_form_js
    static let jobJS = PackageResources.job_js
}
