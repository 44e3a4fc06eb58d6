import Foundation

/// The one lock every matrix product in the daemon runs under.
///
/// OpenBLAS has given wrong results when driven from several threads at once, so a
/// training job holds this for each step and a sampling request for its one forward
/// pass: a request waits at most one step (about 2 ms with the default model).
public final class BLASGate: Sendable {
    private let lock = NSLock()

    public init() {}

    public func run<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
