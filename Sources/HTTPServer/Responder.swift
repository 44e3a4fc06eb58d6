import Foundation

/// Where a `Responder` hands its response; the connection, in practice.
protocol ResponseSink: AnyObject, Sendable {
    func deliver(_ response: HTTPResponse, requestID: UInt64)
}

/// The one-shot way to answer a request. A handler may answer before it
/// returns (the common case, with no queue hop) or keep the responder and
/// answer later from any thread (long-polling), which holds no thread while
/// waiting. The first answer wins; later ones are ignored.
///
/// If the last reference is dropped without an answer, the client gets a 500
/// instead of a connection that hangs forever.
public final class Responder: @unchecked Sendable {
    // @unchecked: `state` is only touched under `lock`; the rest is immutable.
    private let lock = NSLock()
    private var state: State = .inHandler
    private let sink: any ResponseSink
    private let requestID: UInt64

    private enum State {
        /// The handler is still running on the connection's queue: an answer is
        /// kept here and picked up when it returns.
        case inHandler
        case answeredInHandler(HTTPResponse)
        /// The handler returned without answering: an answer goes to the sink.
        case detached
        case done
    }

    init(sink: any ResponseSink, requestID: UInt64) {
        self.sink = sink
        self.requestID = requestID
    }

    deinit {
        // No lock needed: nobody else can hold a reference any more.
        if case .detached = state {
            sink.deliver(HTTPError(.internalServerError, .internal,
                                   message: "the request handler finished without answering").response,
                         requestID: requestID)
        }
    }

    /// Sends `response` (once; later calls are ignored).
    public func respond(_ response: HTTPResponse) {
        lock.lock()
        switch state {
        case .inHandler:
            state = .answeredInHandler(response)
            lock.unlock()
        case .detached:
            state = .done
            lock.unlock()
            sink.deliver(response, requestID: requestID)
        case .answeredInHandler, .done:
            lock.unlock()
        }
    }

    /// Called by the connection when the handler returns (or throws): the
    /// answer given meanwhile, if any. Without one, the responder is detached
    /// and a later answer is delivered through the sink.
    func handlerReturned(thrown error: (any Error)?) -> HTTPResponse? {
        lock.lock()
        defer { lock.unlock() }
        switch state {
        case .answeredInHandler(let response):
            state = .done
            return response
        case .inHandler:
            if let error {
                state = .done
                return Responder.response(for: error)
            }
            state = .detached
            return nil
        case .detached, .done:
            return nil
        }
    }

    static func response(for error: any Error) -> HTTPResponse {
        if let httpError = error as? HTTPError { return httpError.response }
        return HTTPError(.internalServerError, .internal, message: "internal error: \(error)").response
    }
}
