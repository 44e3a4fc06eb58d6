import Foundation
import Testing

// A test that needs something a machine may lack (a tool, a package's data, root for a
// mount, IPv6, a product built beside the tests) is skipped outside CI, with a one-line
// reason. Under CI (CI=true in the environment, as .ci/run sets it) nothing may skip: the
// test runs and fails with one line naming what is missing.

/// Whether this run is CI's, which must run every test.
public let runningInCI: Bool = ["true", "1", "yes"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")

/// What a test could not get; thrown under CI, so the failure is one line naming it.
public struct MissingResource: Error, CustomStringConvertible {
    public let description: String
    public init(_ what: String) { description = "missing \(what) (CI must provide it: scripts/setup, .ci/run)" }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test when `available`, or under CI (where `requireResource` then fails it);
    /// otherwise skips it with "needs WHAT".
    public static func needs(_ what: String, _ available: @autoclosure @escaping @Sendable () -> Bool) -> Self {
        .enabled(if: available() || runningInCI, Comment(rawValue: "needs \(what)"))
    }
}

/// In a test marked `.needs(what, available)`: throws `MissingResource` when the resource is absent.
public func requireResource(_ what: String, _ available: Bool) throws {
    if !available { throw MissingResource(what) }
}

/// For a resource found missing only inside a test (one case of a parameterized test):
/// under CI a failure naming it, elsewhere the test is cancelled with that reason.
public func missingResource(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
    if runningInCI { throw MissingResource(what) }
    try Test.cancel(Comment(rawValue: "needs \(what)"), sourceLocation: sourceLocation)
}
