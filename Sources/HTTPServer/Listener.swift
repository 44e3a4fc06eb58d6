import Dispatch

/// Accepts connections on the listening sockets and hands each one over.
///
/// Everything runs on `queue` (serial), so the flags need no lock.
final class Listener: @unchecked Sendable {
    // @unchecked: every mutable field is only touched on `queue`.
    private let sockets: [ListeningSocket]
    private let queue: DispatchQueue
    private let onAccept: (Int32) -> Void
    private let log: HTTPServer.LogHandler?
    private var sources: [DispatchSourceRead] = []
    private var pausedForResources = false
    private var stopped = false

    /// How long to stop accepting after EMFILE/ENFILE: the pending connection
    /// keeps the listener readable, so retrying at once spins at 100% CPU.
    static let resourceBackoff: DispatchTimeInterval = .milliseconds(100)
    /// Accepts per wake-up, so one busy listener cannot starve the other.
    private static let acceptBatch = 64

    init(sockets: [ListeningSocket], queue: DispatchQueue, log: HTTPServer.LogHandler?, onAccept: @escaping (Int32) -> Void) {
        self.sockets = sockets
        self.queue = queue
        self.log = log
        self.onAccept = onAccept
    }

    func start() {
        queue.async {
            for socket in self.sockets {
                let source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: self.queue)
                source.setEventHandler { self.acceptReady(socket) }
                // The listening fd is closed only once its source can no longer poll it.
                source.setCancelHandler { SocketIO.close(socket.fd) }
                self.sources.append(source)
                source.activate()
            }
        }
    }

    /// Stops accepting; must be called on `queue`. Later accepts cannot happen:
    /// accepting also runs on `queue` and checks `stopped`.
    func stopOnQueue() {
        guard !stopped else { return }
        stopped = true
        for source in sources {
            if pausedForResources { source.resume() }
            source.cancel()
        }
        sources = []
    }

    private func acceptReady(_ socket: ListeningSocket) {
        guard !stopped, !pausedForResources else { return }
        for _ in 0..<Listener.acceptBatch {
            switch socket.accept() {
            case .accepted(let fd):
                onAccept(fd)
            case .wouldBlock:
                return
            case .transient:
                continue
            case .outOfResources(let code):
                log?("accept: \(SocketIO.errorDescription(code)); pausing accepts for 100 ms")
                pause()
                return
            case .failed(let code):
                log?("accept failed: \(SocketIO.errorDescription(code)); pausing accepts for 100 ms")
                pause()
                return
            }
        }
    }

    private func pause() {
        guard !pausedForResources else { return }
        pausedForResources = true
        sources.forEach { $0.suspend() }
        queue.asyncAfter(deadline: .now() + Listener.resourceBackoff) {
            guard self.pausedForResources, !self.stopped else { return }
            self.pausedForResources = false
            self.sources.forEach { $0.resume() }
        }
    }
}
