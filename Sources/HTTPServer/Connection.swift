import Dispatch

/// One client connection: reads requests, runs handlers, writes responses,
/// enforces the deadlines, and closes.
///
/// Concurrency: every mutable property is touched only on `queue`, a serial
/// queue of its own. The read, write and timer sources all deliver there;
/// `deliver` (a late answer from any thread) and `beginDrain`/`forceClose`
/// (from the server) only enqueue work there. Hence `@unchecked Sendable`.
///
/// The socket's dispatch sources, and when its descriptor may be closed, are
/// `SocketWatch`'s business.
final class Connection: ResponseSink, @unchecked Sendable {
    let queue: DispatchQueue
    private let fd: Int32
    private let limits: HTTPServer.Limits
    private let router: Router
    private let registry: ConnectionRegistry
    private let accessLog: HTTPServer.AccessLog?

    private var watch: SocketWatch!
    private var timer: DispatchSourceTimer?

    private let input = InputBuffer()
    private var parser: RequestParser
    private let output = OutputQueue()
    private var dateCache = HTTPDateCache()

    private var phase: ConnectionPhase {
        didSet { publishIdleness() }
    }
    /// What the registry was last told by `publishIdleness`.
    private var publishedIdleSince: UInt64?
    /// When the connection was accepted: its idle time starts there.
    let acceptedAt: UInt64
    private var servedRequests = 0
    private var nextRequestID: UInt64 = 0
    private var inFlight: InFlight?
    /// No further requests will be read; close once the output is flushed.
    private var closeWhenDone = false
    private var peerClosedInput = false
    private var continueSent = false
    private var outputBlockedSince: UInt64?
    private var draining = false

    private struct InFlight {
        var id: UInt64
        var method: HTTPMethod
        var version: HTTPVersion
        var keepAlive: Bool
        /// Kept only when there is an access log to write.
        var target: String?
        var startedAt: UInt64
    }

    /// Input beyond the request being handled is read only this far ahead;
    /// then the socket is left alone until the handler answers.
    private static let readAheadLimit = 64 * 1024
    private static let readChunk = 16 * 1024

    init(fd: Int32, limits: HTTPServer.Limits, router: Router, registry: ConnectionRegistry,
         targetQueue: DispatchQueue, accessLog: HTTPServer.AccessLog? = nil) {
        self.fd = fd
        self.accessLog = accessLog
        self.limits = limits
        self.router = router
        self.registry = registry
        self.parser = RequestParser(limits: limits.parserLimits)
        self.queue = DispatchQueue(label: "gantry.http.connection", target: targetQueue)
        let now = Connection.now()
        self.acceptedAt = now
        self.phase = .awaitingRequest(since: now)
        self.publishedIdleSince = now
        self.watch = SocketWatch(fd: fd, queue: queue) { registry.remove(self) }
    }

    // MARK: - Lifecycle

    func start() {
        queue.async { self.startOnQueue() }
    }

    private func startOnQueue() {
        if case .closed = phase { return }
        watch.start(.init(readable: { self.onReadable() }, writable: { self.onWritable() }))

        let tick = Connection.tickNanoseconds(for: limits)
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .nanoseconds(tick), repeating: .nanoseconds(tick), leeway: .nanoseconds(tick / 4))
        timer.setEventHandler { self.onTick() }
        self.timer = timer

        timer.activate()
        if draining { closeIfIdle() }
    }

    /// Deadlines are checked on a tick a quarter of the shortest one (at most
    /// a second): rescheduling a timer on every request would cost more than
    /// the few idle wake-ups.
    static func tickNanoseconds(for limits: HTTPServer.Limits) -> Int {
        // Lingering is left out: ending it up to a tick late costs nothing.
        let shortest = min(limits.headTimeoutSeconds, limits.idleTimeoutSeconds, limits.bodyTimeoutSeconds,
                           limits.writeTimeoutSeconds)
        let seconds = max(0.005, min(1.0, shortest / 4))
        return Int(seconds * 1e9)
    }

    /// Closes now: cancels the sources; the fd follows in the last cancel handler.
    private func closeNow() {
        if case .closed = phase { return }
        phase = .closed
        inFlight = nil
        output.removeAll()
        input.removeAll()
        timer?.cancel()
        timer = nil
        watch.cancel()
    }

    // MARK: - Server-initiated shutdown

    /// Stop taking new requests: close if idle, else after the current response.
    func beginDrain() {
        queue.async {
            self.draining = true
            self.closeIfIdle()
        }
    }

    func forceClose() {
        queue.async { self.closeNow() }
    }

    /// Gives up the slot to a new client at the connection limit, closing without a
    /// word, unless a request got through since the registry chose this connection.
    func evict() {
        queue.async {
            if case .closed = self.phase { return } // closing anyway; its removal settles the count
            if self.inFlight == nil, self.phase.idleSince(outputPending: !self.output.isEmpty) != nil {
                self.closeNow()
            } else {
                self.registry.evictionDeclined(self)
            }
        }
    }

    /// Tells the registry when this connection starts or stops being idle (see
    /// `ConnectionPhase.idleSince`), only when that changes. An idle stretch keeps the
    /// time it began: the first bytes of a head restart the head clock, not the
    /// connection's place in the eviction order, so a client trickling a head is
    /// no younger than when it last had a complete request (or connected).
    private func publishIdleness() {
        let since = phase.idleSince(outputPending: !output.isEmpty)
        guard (since == nil) != (publishedIdleSince == nil) else { return }
        publishedIdleSince = since
        registry.setIdleSince(self, since)
    }

    private func closeIfIdle() {
        guard inFlight == nil else { return }
        switch phase {
        case .awaitingRequest:
            if output.isEmpty {
                closeNow()
            } else {
                closeWhenDone = true // let the response being written finish
            }
        case .readingHead, .readingBody, .handling, .lingering, .closed:
            // A request already under way is finished (bounded by its deadlines
            // and the shutdown deadline); its response says Connection: close.
            break
        }
    }

    // MARK: - Reading

    private func onReadable() {
        if case .closed = phase { return }
        let result = input.write(minimumFree: Connection.readChunk) { space -> Int in
            switch SocketIO.read(fd, into: space) {
            case .transferred(let n): return n
            case .endOfStream: return 0
            case .wouldBlock: return -1
            case .failed: return -2
            }
        }
        switch result {
        case let n where n > 0:
            if case .lingering = phase {
                input.removeAll() // draining what the client still sends
                return
            }
            if case .awaitingRequest = phase, output.byteCount < limits.maxOutputBufferBytes {
                phase = .readingHead(since: Connection.now())
            }
            processInput()
        case 0:
            peerClosedInput = true
            watch.setReading(false) // EOF stays readable: stop watching or it fires forever
            if case .lingering = phase {
                closeNow()
                return
            }
            processInput()
        case -1:
            return
        default:
            closeNow() // ECONNRESET and the like: nobody is left to answer
        }
    }

    /// Takes complete requests from the input, in order, while the previous
    /// one is answered and the output is within its bound; sends what they
    /// produced (pipelined responses leave together), and repeats while a
    /// flush makes room for more.
    private func processInput() {
        while true {
            let stop = takeRequests()
            if case .closed = phase { return }
            settlePhase()
            flush()
            if case .closed = phase { return }
            // Stopped at the output bound, and the flush drained it at once
            // (no write event will come to restart us): take more now.
            guard stop == .outputFull, output.byteCount < limits.maxOutputBufferBytes else { break }
        }
        updateReadInterest()
    }

    private enum Stop {
        case needMore, busy, outputFull
    }

    private func takeRequests() -> Stop {
        while true {
            if inFlight != nil || closeWhenDone { return .busy }
            if input.isEmpty { return .needMore }
            if output.byteCount >= limits.maxOutputBufferBytes { return .outputFull }
            switch input.withReadable({ parser.parse($0) }) {
            case .needMore:
                if parser.isAwaitingBody {
                    if case .readingBody = phase {} else { phase = .readingBody(since: Connection.now()) }
                    if parser.expectsContinue && !continueSent {
                        continueSent = true
                        output.append(ResponseSerializer.continueLine)
                    }
                }
                return .needMore
            case .failure(let error):
                refuse(error)
                return .busy
            case .request(let request, let consumed):
                input.consume(consumed)
                parser.reset()
                continueSent = false
                handle(request)
            }
        }
    }

    /// Sets the phase (and so the deadline that applies) once no more
    /// requests can be taken for now.
    private func settlePhase() {
        guard inFlight == nil && !closeWhenDone else { return }
        if peerClosedInput {
            // No complete request left and none can come.
            closeWhenDone = true
        } else if input.isEmpty {
            if case .awaitingRequest = phase {} else { phase = .awaitingRequest(since: Connection.now()) }
            input.releaseIfIdle()
            if draining { closeWhenDone = true }
        } else if output.byteCount >= limits.maxOutputBufferBytes {
            // We stopped taking requests because the client is slow to
            // read, not to send: no head clock; the write deadline rules.
            phase = .awaitingRequest(since: Connection.now())
        } else if case .awaitingRequest = phase {
            // Leftover bytes of the next pipelined request: its head clock starts now.
            phase = .readingHead(since: Connection.now())
        }
    }

    /// Reading continues while requests can be taken; while a handler is busy
    /// (or the client is not reading its responses) only `readAheadLimit` more
    /// bytes are buffered, which also bounds memory per connection.
    private func updateReadInterest() {
        switch phase {
        case .closed: return
        case .lingering:
            watch.setReading(!peerClosedInput)
            return
        default: break
        }
        let taking = inFlight == nil && !closeWhenDone && output.byteCount < limits.maxOutputBufferBytes
        watch.setReading(!peerClosedInput && !closeWhenDone && (taking || input.count < Connection.readAheadLimit))
    }

    // MARK: - Handling

    private func handle(_ request: HTTPRequest) {
        nextRequestID += 1
        let id = nextRequestID
        servedRequests += 1
        inFlight = InFlight(id: id, method: request.method, version: request.version,
                            keepAlive: request.wantsKeepAlive && !draining,
                            target: accessLog == nil ? nil : request.target,
                            startedAt: accessLog == nil ? 0 : Connection.now())
        phase = .handling

        if let response = router.dispatch(request, to: Responder(sink: self, requestID: id)) {
            complete(response, requestID: id)
        }
    }

    /// A late answer, from any thread.
    func deliver(_ response: HTTPResponse, requestID: UInt64) {
        queue.async {
            guard self.inFlight?.id == requestID else { return }
            self.complete(response, requestID: requestID)
            self.processInput()
        }
    }

    private func complete(_ response: HTTPResponse, requestID: UInt64) {
        guard let request = inFlight, request.id == requestID else { return }
        inFlight = nil
        let keepAlive = request.keepAlive && !draining && !closeWhenDone
            && !response.headers.hasToken("close", in: "Connection")
        enqueue(response, omitBody: request.method == .head, keepAlive: keepAlive,
                announceKeepAlive: request.version == .http1_0)
        if let accessLog {
            accessLog(AccessRecord(method: request.method, target: request.target, status: response.status.code,
                                   bodyBytes: request.method == .head ? 0 : response.body.count,
                                   seconds: Double(Connection.now() &- request.startedAt) / 1e9))
        }
        if !keepAlive { closeWhenDone = true }
        phase = .awaitingRequest(since: Connection.now())
    }

    /// Answers a request the parser refused, then closes: after a framing
    /// error nothing later on the connection can be trusted.
    private func refuse(_ error: HTTPError) {
        closeWhenDone = true
        let response = error.response
        enqueue(response, omitBody: false, keepAlive: false, announceKeepAlive: false)
        accessLog?(AccessRecord(method: nil, target: nil, status: response.status.code,
                                bodyBytes: response.body.count, seconds: 0))
    }

    private func enqueue(_ response: HTTPResponse, omitBody: Bool, keepAlive: Bool, announceKeepAlive: Bool) {
        let dateLine = dateCache.headerLine()
        let wire = ResponseSerializer.serialize(response, omitBody: omitBody, keepAlive: keepAlive,
                                                announceKeepAlive: announceKeepAlive, dateLine: dateLine)
            ?? ResponseSerializer.serialize(
                HTTPError(.internalServerError, .internal,
                          message: "the handler produced an invalid status line or header").response,
                omitBody: omitBody, keepAlive: keepAlive, announceKeepAlive: announceKeepAlive, dateLine: dateLine)!
        output.append(wire.head)
        if let body = wire.separateBody { output.append(body, owner: response.bodyOwner) }
    }

    // MARK: - Writing

    private func flush() {
        if case .closed = phase { return }
        if !output.isEmpty {
            switch output.flush(to: fd) {
            case .drained:
                outputBlockedSince = nil
                watch.setWriting(false)
                publishIdleness() // a served keep-alive connection is idle from here
            case .wouldBlock:
                if outputBlockedSince == nil { outputBlockedSince = Connection.now() }
                watch.setWriting(true)
                return
            case .failed:
                closeNow() // EPIPE, ECONNRESET: the client is gone
                return
            }
        }
        if closeWhenDone && inFlight == nil { finish() }
    }

    private func onWritable() {
        if case .closed = phase { return }
        flush()
        if output.isEmpty { processInput() }
    }

    /// All output is sent and no more requests will be taken.
    private func finish() {
        switch phase {
        case .lingering, .closed: return
        default: break
        }
        if peerClosedInput {
            closeNow()
            return
        }
        // Send FIN but keep reading until the client closes too: closing with
        // unread bytes in the socket makes the kernel send a reset, which can
        // destroy the response just sent (a 413 for a body still arriving,
        // say) before the client reads it.
        SocketIO.shutdownWrite(fd)
        input.removeAll()
        phase = .lingering(since: Connection.now())
        watch.setReading(true)
    }

    // MARK: - Deadlines

    private func onTick() {
        switch phase.missedDeadline(now: Connection.now(), limits: limits, servedRequests: servedRequests,
                                    outputPending: !output.isEmpty, outputBlockedSince: outputBlockedSince) {
        case nil: break
        case .close: closeNow()
        case .answerTimeout(let message): timeOut(message)
        }
    }

    private func timeOut(_ message: String) {
        guard inFlight == nil, !closeWhenDone else {
            closeNow()
            return
        }
        refuse(HTTPError(.requestTimeout, .requestTimeout, message: message))
        flush()
        updateReadInterest()
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

