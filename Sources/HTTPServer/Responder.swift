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
/// Every answer passes through the router's middleware (`finish`) once, whichever
/// way it comes: answered, thrown, handed to `fail`, or the 500 sent when the last
/// reference is dropped without an answer (so a client never waits on a
/// connection that hangs forever).
public final class Responder: @unchecked Sendable {
    // @unchecked: `state` and `exchange` are only touched under `lock`; the rest is immutable.
    private let lock = NSLock()
    private var state: State = .inHandler
    private let sink: any ResponseSink
    private let requestID: UInt64
    /// The request as the middleware left it, and how far it got: set by the router
    /// before any handler holds the responder.
    private var exchange: Exchange?

    private struct Exchange {
        let pipeline: Pipeline
        let request: HTTPRequest
        let received: Int
        let startedAt: UInt64
    }

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
            let dropped = HTTPError(.internalServerError, .internal, message: "the request handler finished without answering").response
            sink.deliver(finished(dropped), requestID: requestID)
        }
    }

    /// Routes this request's answers through `pipeline`'s `finish`, for the first
    /// `received` stages (those whose `receive` saw it).
    func begin(_ request: HTTPRequest, pipeline: Pipeline, received: Int, startedAt: UInt64) {
        lock.withLock { exchange = Exchange(pipeline: pipeline, request: request, received: received, startedAt: startedAt) }
    }

    /// Sends `response` (once; later calls are ignored).
    public func respond(_ response: HTTPResponse) {
        lock.lock()
        switch state {
        case .inHandler:
            state = .answeredInHandler(finished(response))
            lock.unlock()
        case .detached:
            state = .done
            let response = finished(response)
            lock.unlock()
            sink.deliver(response, requestID: requestID)
        case .answeredInHandler, .done:
            lock.unlock()
        }
    }

    /// Answers with what the middleware makes of `error` (an API's JSON error body, a
    /// logged request id), as if the handler had thrown it: for handlers that fail on
    /// another thread, after they returned.
    public func fail(_ error: any Error) {
        respond(errorResponse(error))
    }

    /// Called by the connection when the handler returns (or throws): the
    /// answer given meanwhile, if any. Without one, the responder is detached
    /// and a later answer is delivered through the sink.
    func handlerReturned(thrown error: (any Error)?) -> HTTPResponse? {
        let mapped = error.map(errorResponse)
        lock.lock()
        defer { lock.unlock() }
        switch state {
        case .answeredInHandler(let response):
            state = .done
            return response
        case .inHandler:
            if let mapped {
                state = .done
                return finished(mapped)
            }
            state = .detached
            return nil
        case .detached, .done:
            return nil
        }
    }

    private func errorResponse(_ error: any Error) -> HTTPResponse {
        guard let exchange = lock.withLock({ exchange }) else { return Responder.response(for: error) }
        return exchange.pipeline.response(for: error, to: exchange.request)
    }

    /// `response` after the middleware's `finish` hooks. Called under `lock` (or from
    /// `deinit`), once per request: only the first answer reaches it.
    private func finished(_ response: HTTPResponse) -> HTTPResponse {
        guard let exchange else { return response }
        var response = response
        let seconds = Double(DispatchTime.now().uptimeNanoseconds &- exchange.startedAt) / 1e9
        exchange.pipeline.finish(&response, to: exchange.request, received: exchange.received, after: seconds)
        return response
    }

    static func response(for error: any Error) -> HTTPResponse {
        if let httpError = error as? HTTPError { return httpError.response }
        return HTTPError(.internalServerError, .internal, message: "internal error: \(error)").response
    }
}
