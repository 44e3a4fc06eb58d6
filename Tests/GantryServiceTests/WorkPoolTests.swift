import Foundation
import Testing
@testable import GantryAPI

@Suite struct WorkPoolTests {
    /// Two threads and three places in line: five pieces are taken, the sixth refused
    /// at once; when they finish, the pool takes work again; nothing runs twice.
    @Test func takesWidthPlusQueueThenRefusesAtOnce() throws {
        let pool = WorkPool(name: "test", width: 2, queueLimit: 3)
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let count = Counter()
        // Both threads first take a piece each and hold it (waited for, not slept on: a
        // loaded host may start the threads late); then the line holds exactly three.
        let started = DispatchSemaphore(value: 0)
        for _ in 0..<2 {
            done.enter()
            #expect(pool.submit { started.signal(); gate.wait(); count.add(); done.leave() })
        }
        for _ in 0..<2 { #expect(started.wait(timeout: .now() + 10) == .success) }
        for _ in 0..<3 {
            done.enter()
            #expect(pool.submit { gate.wait(); count.add(); done.leave() })
        }
        let start = Date()
        #expect(!pool.submit { Issue.record("a refused piece ran") })
        #expect(Date().timeIntervalSince(start) < 0.1, "the refusal does not wait")
        for _ in 0..<5 { gate.signal() }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(count.value == 5)
        let again = DispatchSemaphore(value: 0)
        #expect(pool.submit { again.signal() })
        #expect(again.wait(timeout: .now() + 10) == .success)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }
}
