import Foundation
import Testing
@testable import HTTPServer

/// Deadlines are configured small (fractions of a second) so the suite stays fast.
@Suite("Deadlines")
struct DeadlineTests {
    func limits(_ change: (inout HTTPServer.Limits) -> Void) -> HTTPServer.Limits {
        var limits = HTTPServer.Limits()
        change(&limits)
        return limits
    }

    @Test func slowlorisIsCutAtTheHeadDeadlineWhileOthersAreServed() throws {
        let server = try TestServer(limits: limits { $0.headTimeoutSeconds = 1 })
        let slow = UncheckedSendable(try server.client(timeout: 10))
        let request = Array(get("/hello", "X-Padding: " + String(repeating: "z", count: 200) + "\r\n").utf8)
        // One thread reads the answer, so the moment of the cut is measured whatever else
        // runs; another sends one byte every 100 ms (the head would take 25 s to arrive)
        // until the answer comes; this one serves other clients meanwhile.
        let answer = AnswerBox()
        let sent = Counter()
        let start = Date()
        Thread.detachNewThread { answer.set(Result { try slow.value.expectResponse() }, after: Date().timeIntervalSince(start)) }
        Thread.detachNewThread {
            while sent.value < request.count && !answer.isSet && Date().timeIntervalSince(start) < 10 {
                guard slow.value.trySend([request[sent.value]]) else { break }
                sent.increment()
                usleep(100_000)
            }
        }
        var othersServed = 0
        while !answer.isSet && Date().timeIntervalSince(start) < 10 {
            let other = try server.client(timeout: 5)
            if try other.roundTrip(get("/hello")).status == 200 && !answer.isSet { othersServed += 1 }
            usleep(20_000)
        }
        let (result, cutAfter) = try #require(answer.wait(timeout: 10), "no answer to the slow client within 10 s")
        let response = try result.get()
        #expect(response.status == 408)
        #expect(response.errorCode == "request_timeout")
        // Head deadline 1 s. Measured beside the full suite with a busy loop pinned to
        // one core, or one to each: 1.00–1.25 s; the bound leaves 2.75 s more for a late timer.
        #expect(cutAfter >= 0.9 && cutAfter < 4, "cut after \(cutAfter) s")
        #expect(sent.value < request.count)
        // A server stuck on the slow client would serve none; measured under load: 43–51.
        #expect(othersServed >= 1, "\(othersServed) other clients served before the cut")
    }

    @Test func aConnectionThatNeverSendsIsClosedAtTheHeadDeadline() throws {
        let server = try TestServer(limits: limits { $0.headTimeoutSeconds = 0.5 })
        let client = try server.client()
        let start = Date()
        #expect(client.isClosedByServer())
        // Not before the 0.5 s deadline (measured under load: 0.50–0.64 s; the client's own
        // read timeout, 5 s, bounds it above).
        #expect(Date().timeIntervalSince(start) >= 0.4)
    }

    @Test func idleKeepAliveConnectionsAreClosed() throws {
        let server = try TestServer(limits: limits { $0.idleTimeoutSeconds = 0.5 })
        let client = try server.client()
        #expect(try client.roundTrip(get("/hello")).status == 200)
        let start = Date()
        #expect(client.isClosedByServer())
        let elapsed = Date().timeIntervalSince(start)
        // Idle timeout 0.5 s; measured under load: 0.50–0.68 s.
        #expect(elapsed >= 0.4 && elapsed < 3, "closed after \(elapsed) s")
    }

    @Test func aSlowBodyIsCutAtTheBodyDeadline() throws {
        let server = try TestServer(limits: limits { $0.bodyTimeoutSeconds = 0.5 })
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        let response = try client.expectResponse()
        #expect(response.status == 408)
        #expect(client.isClosedByServer())
    }

    @Test func aClientThatStopsReadingIsDroppedAtTheWriteDeadline() throws {
        let server = try TestServer(limits: limits { $0.writeTimeoutSeconds = 0.5 })
        let client = try server.client(receiveBuffer: 4096)
        try client.send(get("/big?bytes=50000000"))
        // Never read. The server's socket buffer fills; the 0.5 s deadline fires (closed
        // within 0.64 s of the request under load; 10 s only bounds a failure).
        #expect(server.eventually(timeout: 10) { server.server.openConnections == 0 })
    }

    @Test func aLongPollIsNotCutByTheHeadOrIdleDeadline() throws {
        let server = try TestServer(limits: limits {
            $0.headTimeoutSeconds = 0.3
            $0.idleTimeoutSeconds = 0.3
        })
        let client = try server.client()
        let response = try client.roundTrip(get("/slow?ms=1000&tag=late"))
        #expect(response.bodyText == "slow late")
    }
}

/// The result of a read on another thread, and when it came.
final class AnswerBox: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var stored: (Result<WireResponse, any Error>, Double)?

    func set(_ result: Result<WireResponse, any Error>, after seconds: Double) {
        lock.lock()
        stored = (result, seconds)
        lock.unlock()
        done.signal()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stored != nil
    }

    func wait(timeout: Double) -> (Result<WireResponse, any Error>, Double)? {
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

/// Hands a value to another thread when the test knows the use is safe.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A count shared between threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func increment() { lock.lock(); count += 1; lock.unlock() }
}
