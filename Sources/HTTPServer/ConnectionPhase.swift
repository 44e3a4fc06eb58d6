/// Where a connection is in its request cycle, with the time each timed phase began
/// (`DispatchTime` nanoseconds), and which deadline it has missed — the timeout
/// policy as a value, decided apart from the socket work in `Connection`.
enum ConnectionPhase: Equatable {
    /// Between requests; the first request's wait is bounded by the head
    /// deadline, later ones by the idle timeout.
    case awaitingRequest(since: UInt64)
    case readingHead(since: UInt64)
    case readingBody(since: UInt64)
    /// A handler owns the request.
    case handling
    /// The last response is sent and our side shut down; reading and
    /// dropping whatever the client still sends until it closes.
    case lingering(since: UInt64)
    case closed

    /// Since when the connection has waited without a complete request head, when it
    /// is doing nothing else: waiting for a (next) request, or for the rest of its head,
    /// with no response left to send. Such a connection is the one whose slot a new
    /// client may take at the connection limit, the one waiting longest first.
    func idleSince(outputPending: Bool) -> UInt64? {
        guard !outputPending else { return nil }
        switch self {
        case .awaitingRequest(let since), .readingHead(let since): return since
        case .readingBody, .handling, .lingering, .closed: return nil
        }
    }

    enum MissedDeadline: Equatable {
        /// Close without a word: an idle or lingering client, or one that stopped reading.
        case close
        /// Answer 408 with this message (the connection decides whether it still can).
        case answerTimeout(String)
    }

    /// The deadline missed at `now`, if any. `outputBlockedSince` is when the client
    /// last stopped taking our output; `outputPending`, whether any is queued.
    func missedDeadline(now: UInt64, limits: HTTPServer.Limits, servedRequests: Int,
                        outputPending: Bool, outputBlockedSince: UInt64?) -> MissedDeadline? {
        func elapsed(_ since: UInt64) -> Double { Double(now &- since) / 1e9 }
        if let blocked = outputBlockedSince, elapsed(blocked) > limits.writeTimeoutSeconds {
            return .close // the client stopped reading
        }
        switch self {
        case .awaitingRequest(let since):
            let limit = servedRequests == 0 ? limits.headTimeoutSeconds : limits.idleTimeoutSeconds
            return elapsed(since) > limit && !outputPending ? .close : nil
        case .readingHead(let since):
            return elapsed(since) > limits.headTimeoutSeconds
                ? .answerTimeout("the request head did not arrive within \(limits.headTimeoutSeconds) seconds") : nil
        case .readingBody(let since):
            return elapsed(since) > limits.bodyTimeoutSeconds
                ? .answerTimeout("the request body did not arrive within \(limits.bodyTimeoutSeconds) seconds") : nil
        case .lingering(let since):
            return elapsed(since) > limits.lingerSeconds ? .close : nil
        case .handling, .closed:
            return nil
        }
    }
}
