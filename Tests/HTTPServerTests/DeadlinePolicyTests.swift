import Testing
@testable import HTTPServer

/// The timeout policy alone, at chosen instants: which deadline each phase misses.
@Suite struct DeadlinePolicyTests {
    let limits: HTTPServer.Limits = {
        var l = HTTPServer.Limits()
        l.headTimeoutSeconds = 10
        l.idleTimeoutSeconds = 30
        l.bodyTimeoutSeconds = 20
        l.writeTimeoutSeconds = 5
        l.lingerSeconds = 2
        return l
    }()
    let second: UInt64 = 1_000_000_000

    func missed(_ phase: ConnectionPhase, at seconds: Double, served: Int = 0, pending: Bool = false,
                blockedSince: UInt64? = nil) -> ConnectionPhase.MissedDeadline? {
        phase.missedDeadline(now: UInt64(seconds * 1e9), limits: limits, servedRequests: served,
                             outputPending: pending, outputBlockedSince: blockedSince)
    }

    @Test func eachPhaseHasItsOwnDeadline() {
        // The first request waits for the head deadline, later ones for the idle timeout.
        #expect(missed(.awaitingRequest(since: 0), at: 9) == nil)
        #expect(missed(.awaitingRequest(since: 0), at: 11) == .close)
        #expect(missed(.awaitingRequest(since: 0), at: 11, served: 1) == nil)
        #expect(missed(.awaitingRequest(since: 0), at: 31, served: 1) == .close)
        // Output still queued keeps an idle connection open.
        #expect(missed(.awaitingRequest(since: 0), at: 31, served: 1, pending: true) == nil)
        #expect(missed(.readingHead(since: second), at: 10.5) == nil)
        #expect(missed(.readingHead(since: second), at: 11.5)
                == .answerTimeout("the request head did not arrive within 10.0 seconds"))
        #expect(missed(.readingBody(since: 0), at: 21) == .answerTimeout("the request body did not arrive within 20.0 seconds"))
        #expect(missed(.lingering(since: 0), at: 1) == nil && missed(.lingering(since: 0), at: 3) == .close)
        #expect(missed(.handling, at: 1_000) == nil && missed(.closed, at: 1_000) == nil)
    }

    @Test func aClientThatStopsReadingIsClosedInAnyPhase() {
        #expect(missed(.handling, at: 6, blockedSince: 0) == .close)
        #expect(missed(.handling, at: 4, blockedSince: 0) == nil)
        #expect(missed(.readingBody(since: 5 * second), at: 6, blockedSince: 0) == .close)
    }
}
