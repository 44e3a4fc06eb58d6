import Foundation
import HTTPServer
import Testing
@testable import GantryAPI

/// The dashboard's files as the server answers them, without a socket: validators
/// against `sha256sum`, 304s, the security headers, the size budget, and that the
/// page loads nothing but its own files.
struct DashboardAssetTests {
    func request(_ path: String, ifNoneMatch: String? = nil) -> HTTPRequest {
        HTTPRequest(method: .get, target: path, path: path, pathSegments: path.split(separator: "/").map(String.init),
                    headers: HTTPHeaders(ifNoneMatch.map { [("If-None-Match", $0)] } ?? []))
    }

    /// `sha256sum`'s hex digest of `bytes`: an oracle outside the code under test.
    func sha256sum(_ bytes: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-asset-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process(), output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }

    @Test("every file: 200 with its type, a strong ETag from the bytes' SHA-256, no-cache, a strict CSP, nosniff")
    func filesAndHeaders() throws {
        #expect(Set(Dashboard.assets.map(\.path)).count == Dashboard.assets.count)
        for asset in Dashboard.assets {
            let response = asset.response(to: request(asset.path))
            #expect(response.status == .ok)
            #expect(response.body == asset.bytes && !asset.bytes.isEmpty)
            #expect(response.headers["Content-Type"] == asset.contentType)
            #expect(response.headers["ETag"] == "\"\(try sha256sum(asset.bytes).prefix(32))\"", "\(asset.path)")
            #expect(response.headers["Cache-Control"] == "no-cache")
            #expect(response.headers["X-Content-Type-Options"] == "nosniff")
            let policy = try #require(response.headers["Content-Security-Policy"])
            #expect(policy.hasPrefix("default-src 'self';") && !policy.contains("unsafe"), "\(policy)")
        }
    }

    @Test("If-None-Match: the ETag (also weak, in a list, or *) is a 304 without a body; another tag is a 200")
    func conditionalRequests() {
        let asset = Dashboard.assets[0]
        for header in [asset.etag, "W/\(asset.etag)", "\"other\", \(asset.etag)", "*"] {
            let response = asset.response(to: request(asset.path, ifNoneMatch: header))
            #expect(response.status == .notModified, "\(header)")
            #expect(response.body.isEmpty && response.headers["ETag"] == asset.etag && response.headers["Content-Security-Policy"] != nil)
        }
        for header in ["\"other\"", String(asset.etag.dropLast()), ""] {
            #expect(asset.response(to: request(asset.path, ifNoneMatch: header)).status == .ok, "\(header)")
        }
    }

    @Test("all files together stay under 100 KB")
    func sizeBudget() {
        let total = Dashboard.assets.reduce(0) { $0 + $1.bytes.count }
        #expect(total < 100 * 1024, "\(total) bytes")
    }

    @Test("the page loads only its own served files: no other host, no inline script or style, every import served")
    func onlyOwnFiles() throws {
        let served = Set(Dashboard.assets.map(\.path))
        let html = String(decoding: DashboardFiles.indexHTML, as: UTF8.self)
        let references = matches(##"(?:src|href)="([^"#][^"]*)""##, in: html)
        #expect(!references.isEmpty)
        for reference in references { #expect(served.contains(reference), "index.html loads \(reference), which is not served") }
        #expect(matches(#"<script(?![^>]*\bsrc=)[^>]*>"#, in: html).isEmpty && !html.contains("<script>"), "inline script")
        #expect(matches(#"\sstyle="#, in: html).isEmpty && !html.contains("<style"), "inline style")
        #expect(matches(#"\son[a-z]+="#, in: html).isEmpty, "inline event handler")
        for asset in Dashboard.assets where asset.contentType.hasPrefix("text/javascript") {
            let text = String(decoding: asset.bytes, as: UTF8.self)
            for module in matches(#"from '\./([a-z-]+\.js)'"#, in: text) {
                #expect(served.contains("/ui/" + module), "\(asset.path) imports \(module), which is not served")
            }
            // The only absolute URL a script may name is SVG's namespace, which is never fetched.
            let urls = matches(#"(https?://[^'"`\s]+)"#, in: text).filter { $0 != "http://www.w3.org/2000/svg" }
            #expect(urls.isEmpty, "\(asset.path) names \(urls)")
            #expect(!text.contains("innerHTML") && !text.contains("eval("), "\(asset.path) builds markup or code from text")
        }
    }

    @Test("the start form has exactly the request's fields, in its order")
    func formFields() {
        let names = matches(#"\{ name: '([a-z0-9_]+)'"#, in: String(decoding: DashboardFiles.jobFormJS, as: UTF8.self))
        #expect(names == JobRequest.fields)
    }

    private func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
            return String(text[Range(range, in: text)!])
        }
    }
}
