// `icon.svg` of the browser dashboard, served as `/ui/icon.svg`. Edit it here: the
// binary carries this text, and there is no build step.
extension DashboardFiles {
    /// The tab icon, served so the browser asks for no /favicon.ico.
    static let iconSVG = ##"""
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d4f91"/><path d="M4 12V4h8v2H6v4h4V9H8V7h4v5z" fill="#fff"/></svg>
"""##
}
