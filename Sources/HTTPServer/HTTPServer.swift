import Dispatch
import Foundation

/// An HTTP/1.1 server on Dispatch and POSIX sockets.
///
/// ```swift
/// var router = Router()
/// router.get("/healthz") { _ in .json(bytes: Array(#"{"status":"ok"}"#.utf8)) }
/// let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 8080), router: router)
/// let port = try server.start()
/// …
/// server.shutdown(timeout: 5)
/// ```
///
/// No thread ever blocks on a client: each connection is a serial queue with
/// read, write and timer sources, and handlers that answer later hold no
/// thread. See `Limits` for every bound enforced.
public final class HTTPServer: @unchecked Sendable {
    // @unchecked: `state` is only touched under `lock`; the rest is immutable.
    /// Receives rare operational events (accept failures, back-off); a line of text each.
    public typealias LogHandler = @Sendable (String) -> Void
    /// Receives a record of every response (see `AccessRecord`).
    public typealias AccessLog = @Sendable (AccessRecord) -> Void

    public let configuration: Configuration
    private let router: Router
    private let log: LogHandler?
    private let accessLog: AccessLog?
    private let registry = ConnectionRegistry()
    private let acceptQueue = DispatchQueue(label: "gantry.http.accept")
    // Utility, not user-initiated: libdispatch on Linux turns QoS into nice values, and
    // a daemon that trains must not let a flood of requests outrank its training thread
    // (measured: user-initiated request threads slowed training by 180% under wrk).
    private let connectionTarget = DispatchQueue.global(qos: .utility)

    // Guarded by `lock`.
    private let lock = NSLock()
    private var state: State = .idle

    private enum State {
        case idle
        case running(Listener, ports: [UInt16], descriptors: DescriptorBudget)
        case stopping
        case stopped
    }

    public init(configuration: Configuration = Configuration(), router: Router,
                log: LogHandler? = nil, accessLog: AccessLog? = nil) {
        self.configuration = configuration
        self.router = router
        self.log = log
        self.accessLog = accessLog
    }

    /// Binds, listens and starts accepting. Returns the bound port (the
    /// kernel's choice when the configured port is 0).
    @discardableResult
    public func start() throws -> UInt16 {
        let problems = configuration.limits.validationErrors()
        guard problems.isEmpty else {
            throw SocketError(operation: "invalid limits: " + problems.joined(separator: "; "), errno: 0)
        }
        lock.lock()
        defer { lock.unlock() }
        guard case .idle = state else {
            throw SocketError(operation: "the server was already started", errno: 0)
        }
        SocketIO.ignoreSIGPIPE()
        HTTPServer.primeDispatchTimers()
        let sockets = try ListeningSocket.bind(host: configuration.host, port: configuration.port,
                                               backlog: configuration.backlog)
        let listener = Listener(sockets: sockets, queue: acceptQueue, log: log) { [weak self] fd in
            guard let self else {
                SocketIO.close(fd)
                return
            }
            self.accepted(fd)
        }
        // After binding, so the listening sockets are counted as open.
        let budget = DescriptorBudget.raisingSoftLimit(configured: configuration.limits.maxConnections)
        log?(budget.summary(configured: configuration.limits.maxConnections))
        state = .running(listener, ports: sockets.map(\.port), descriptors: budget)
        listener.start()
        return sockets[0].port
    }

    /// libdispatch on Linux creates the timerfd behind all its timers the
    /// first time one is armed, and keeps it; if that first time comes while
    /// the process is out of descriptors, creation fails and no Dispatch timer
    /// ever fires again: no deadlines, no accept back-off. So one is armed,
    /// and awaited, before the first connection can use up the descriptors.
    static func primeDispatchTimers() {
        let fired = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(1)) { fired.signal() }
        _ = fired.wait(timeout: .now() + 2)
    }


    /// Connections open right now (including ones finishing or lingering).
    public var openConnections: Int { registry.count }

    /// Open connections waiting for a request with nothing left to send: the ones a
    /// new client at the connection limit may displace. A client can hold a whole
    /// response a moment before its connection counts here.
    public var idleConnections: Int { registry.idleCount }

    /// Runs on `acceptQueue`. At the connection limit (or near the open-file limit) the
    /// connection idle longest without a request head makes way; with none idle, the
    /// new client is answered 503. See docs/connections.md.
    private func accepted(_ fd: Int32) {
        let limits = configuration.limits
        let budget: DescriptorBudget? = lock.withLock {
            if case .running(_, _, let budget) = state { return budget }
            return nil
        }
        guard let budget, !budget.mustRefuse(descriptor: fd) else { return refuse(fd) }
        let victim: Connection?
        switch registry.makeRoom(cap: budget.connectionCap) {
        case .free: victim = nil
        case .takenFrom(let connection): victim = connection
        case .full: return refuse(fd)
        }
        let connection = Connection(fd: fd, limits: limits, router: router, registry: registry,
                                    targetQueue: connectionTarget, accessLog: accessLog)
        registry.add(connection, idleSince: connection.acceptedAt)
        connection.start()
        victim?.evict()
    }

    /// Refuses cheaply, without a connection object: answers, drops what the client
    /// already sent so the close does not reset the answer away.
    private func refuse(_ fd: Int32) {
        SocketIO.sendBestEffort(fd, HTTPServer.tooManyConnectionsResponse)
        SocketIO.shutdownWrite(fd)
        SocketIO.discardPending(fd)
        SocketIO.close(fd)
    }

    private static let tooManyConnectionsResponse: [UInt8] = {
        let body = HTTPError(.serviceUnavailable, .tooManyConnections,
                             message: "the server has too many open connections; retry shortly").response.body
        let head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: \(HTTPResponse.jsonContentType)\r\n"
            + "Content-Length: \(body.count)\r\nRetry-After: 1\r\nConnection: close\r\n"
        let date = HTTPDateCache.format(time(nil))
        return Array(head.utf8) + date + Array("\r\n".utf8) + body
    }()

    /// Stops accepting, lets requests in progress finish (their responses say
    /// `Connection: close`), closes idle connections at once, and after
    /// `timeout` seconds closes whatever is left. `completion` runs once every
    /// connection is closed.
    public func shutdown(timeout: Double = 5, completion: @escaping @Sendable () -> Void) {
        lock.lock()
        let listener: Listener?
        switch state {
        case .running(let l, _, _):
            listener = l
        case .idle:
            listener = nil
        case .stopping, .stopped:
            lock.unlock()
            registry.whenEmpty(completion)
            return
        }
        state = .stopping
        lock.unlock()

        acceptQueue.async {
            listener?.stopOnQueue()
            for connection in self.registry.snapshot() { connection.beginDrain() }
            self.acceptQueue.asyncAfter(deadline: .now() + max(0, timeout)) {
                for connection in self.registry.snapshot() { connection.forceClose() }
            }
            self.registry.whenEmpty {
                self.lock.lock()
                self.state = .stopped
                self.lock.unlock()
                completion()
            }
        }
    }

    /// Blocking form of `shutdown(timeout:completion:)`. Call it from a thread
    /// of your own (main, a signal handler's queue), never from a handler.
    public func shutdown(timeout: Double = 5) {
        let done = DispatchSemaphore(value: 0)
        shutdown(timeout: timeout) { done.signal() }
        done.wait()
    }
}
