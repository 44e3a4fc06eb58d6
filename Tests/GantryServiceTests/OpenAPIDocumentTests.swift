import Foundation
import HTTPServer
import Logging
import Testing
@testable import GantryJobs
@testable import GantryAPI
@testable import GantryService

/// docs/openapi.json describes the daemon as built: the routes the router serves, the
/// error codes the code can send, and the document the binary serves is that file.
@Suite struct OpenAPIDocumentTests {
    static let repository = DocumentedFieldsTests.repository
    static let methods: Set<String> = ["get", "head", "post", "put", "patch", "delete", "options", "trace"]

    static func document() throws -> [String: Any] {
        let data = try Data(contentsOf: repository.appendingPathComponent("docs/openapi.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// "METHOD /path" for every operation in the document.
    static func documentedOperations() throws -> Set<String> {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        return Set(paths.flatMap { path, item in item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
    }

    /// "METHOD /path" for every route a daemon on the default configuration registers,
    /// with the HEAD every GET route answers.
    static func servedOperations() throws -> Set<String> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-openapi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = ServiceConfig()
        config.stateDirectory = folder.path
        config.listen.port = 0
        // A token changes the gates, not the routes; with one, the daemon serves exactly these.
        let token = folder.appendingPathComponent("token")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("a-token-of-sixteen-or-more".utf8).write(to: token)
        config.authTokenFile = token.path
        let daemon = try GantryDaemon(config: config, logger: .silent)
        return Set(daemon.routes.flatMap { route in
            route.method == .get ? ["GET \(route.pattern)", "HEAD \(route.pattern)"] : ["\(route.method.rawValue) \(route.pattern)"]
        })
    }

    @Test func theDocumentListsExactlyTheRoutesTheRouterServes() throws {
        let documented = try Self.documentedOperations(), served = try Self.servedOperations()
        #expect(served.contains("GET /v1/jobs/{id}/export") && served.contains("GET /v1/openapi.json"), "\(served.sorted())")
        #expect(served.subtracting(documented).isEmpty, "served but not in docs/openapi.json: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "in docs/openapi.json but not served: \(documented.subtracting(served).sorted())")
    }

    /// The codes the API and the HTTP server can send: the one list the documents follow.
    static var codes: Set<String> {
        Set(APIError.Code.allCases.map(\.rawValue)).union(HTTPError.ServerCode.allCases.map(\.rawValue))
    }

    @Test func theDocumentsErrorCodesAreTheCodes() throws {
        let schemas = try #require((try Self.document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let listed = try #require((schemas["ErrorCode"] as? [String: Any])?["enum"] as? [String])
        #expect(listed.count == Set(listed).count, "a code listed twice: \(listed)")
        #expect(Set(listed) == Self.codes, "only in the document: \(Set(listed).subtracting(Self.codes).sorted()); only in the code: \(Self.codes.subtracting(listed).sorted())")
    }

    @Test func apiMarkdownsErrorTableListsTheCodes() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("docs/api.md"), encoding: .utf8)
        // Rows of the table whose header is "| status | code | when |": the second column's code.
        let rows = text.split(separator: "\n").drop { !$0.hasPrefix("| status | code |") }.dropFirst(2).prefix { $0.hasPrefix("|") }
        let listed = rows.compactMap { row -> String? in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.count >= 2 ? cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")) : nil
        }
        #expect(listed.count == Set(listed).count, "a code listed twice: \(listed)")
        #expect(Set(listed) == Self.codes, "only in docs/api.md: \(Set(listed).subtracting(Self.codes).sorted()); only in the code: \(Self.codes.subtracting(listed).sorted())")
    }

    @Test func theServedDocumentIsTheFileInDocs() throws {
        let file = try [UInt8](Data(contentsOf: Self.repository.appendingPathComponent("docs/openapi.json")))
        #expect(OpenAPIDocument.withToken.bytes == file, "the binary serves another document than docs/openapi.json (rebuild, or rerun scripts/generate-openapi)")
        #expect(try Self.document()["openapi"] as? String == "3.1.0")
    }

    /// A daemon without a token serves the same operations, none requiring one.
    @Test func withoutATokenNoOperationRequiresOne() throws {
        let open = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.withoutToken.bytes)) as? [String: Any])
        let paths = try #require(open["paths"] as? [String: [String: Any]])
        let operations = paths.flatMap { path, item in item.compactMap { method, value in Self.methods.contains(method) ? ("\(method.uppercased()) \(path)", value as? [String: Any]) : nil } }
        #expect(Set(operations.map(\.0)) == (try Self.documentedOperations()))
        for (name, operation) in operations {
            #expect((operation?["security"] as? [Any])?.isEmpty == true, "\(name) still requires a token")
            #expect((operation?["responses"] as? [String: Any])?["401"] == nil, "\(name) still answers 401")
        }
        #expect((open["security"] as? [Any])?.isEmpty == true)
        // The document with a token does require it of the /v1 job routes.
        let strict = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        #expect(((strict["/v1/jobs"]?["post"] as? [String: Any])?["security"] as? [[String: Any]])?.first?["bearerAuth"] != nil)
    }
}
