import Foundation
import Testing
@testable import GantryAPI

/// The job fields the README and docs/api.md list are the fields a request takes: a
/// field added to the request without its row in the tables (or a row for a field the
/// request refuses) fails here.
@Suite struct DocumentedFieldsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The backticked names in the first column of the table that follows `heading` in `file`.
    static func tableFields(in file: String, after heading: String) throws -> [String] {
        let text = try String(contentsOf: repository.appendingPathComponent(file), encoding: .utf8)
        let start = try #require(text.range(of: heading), "\(file) has no \"\(heading)\"")
        var names: [String] = []
        var inTable = false
        for line in text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            guard line.hasPrefix("|") else { if inTable { break } else { continue } }
            inTable = true
            let first = line.split(separator: "|").first ?? ""
            guard !first.contains("---"), first.contains("`") else { continue }
            names += first.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
        return names
    }

    /// Each name is one the request decodes: it is not refused as unknown.
    static func acceptedByTheRequest(_ name: String) -> Bool {
        do {
            _ = try JobRequest.parse(Array("{\"\(name)\": null}".utf8), datasets: ["mnist"], memoryBudgetBytes: 1 << 40)
            return true
        } catch let error as APIError {
            return error.code != .unknownField
        } catch { return false }
    }

    @Test(arguments: [("README.md", "Job fields, with their defaults and ranges"), ("docs/api.md", "Job request fields")])
    func theTableListsEveryRequestField(file: String, heading: String) throws {
        let documented = try Self.tableFields(in: file, after: heading)
        #expect(documented.count == Set(documented).count, "\(file) lists a field twice: \(documented)")
        #expect(Set(documented) == Set(JobRequest.fields),
                "\(file) lists \(Set(documented).subtracting(JobRequest.fields).sorted()) that the request does not take and misses \(Set(JobRequest.fields).subtracting(documented).sorted())")
        for name in documented { #expect(Self.acceptedByTheRequest(name), "\(file) documents \(name), which the request refuses") }
        #expect(!Self.acceptedByTheRequest("no_such_field"))
    }
}
