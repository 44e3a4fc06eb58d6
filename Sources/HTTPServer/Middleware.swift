/// One stage of the request pipeline, written once for every route: request ids,
/// authentication, counting, timing and error mapping are middleware, not code in
/// each route family. A router runs its middleware in the order they were added
/// (`Router.use`), before routing, so a refusal (a 401) tells a client nothing about
/// which routes or methods exist.
///
/// The server answers through a `Responder`, now or later from any thread, so a
/// stage is not a function wrapped around the handler's return value (Hummingbird's
/// `RouterMiddleware`): it has three hooks, each with a default that does nothing.
/// - `receive` sees the request first, outermost stage first: it may annotate it
///   (a request id) or refuse it, with a response or by throwing (mapped as a
///   handler's error is), which ends the pipeline.
/// - `response(for:to:)` turns an error a handler threw (or handed to
///   `Responder.fail`) into a response; the first stage that answers wins.
/// - `finish` sees every answer to a request the stage received (a refusal, a 404, a
///   thrown error, a late answer from another thread, the 500 of a dropped
///   responder), innermost stage first, exactly once, before the bytes are queued.
public protocol Middleware: Sendable {
    func receive(_ request: inout HTTPRequest) throws -> HTTPResponse?
    func response(for error: any Error, to request: HTTPRequest) -> HTTPResponse?
    func finish(_ response: inout HTTPResponse, to request: HTTPRequest, after seconds: Double)
}

extension Middleware {
    public func receive(_ request: inout HTTPRequest) -> HTTPResponse? { nil }
    public func response(for error: any Error, to request: HTTPRequest) -> HTTPResponse? { nil }
    public func finish(_ response: inout HTTPResponse, to request: HTTPRequest, after seconds: Double) {}
}

/// A router's middleware, in order. Immutable once the server runs; each request's
/// responder keeps a reference to it, so answering costs no allocation of its own.
final class Pipeline: Sendable {
    let stages: [any Middleware]

    init(_ stages: [any Middleware]) { self.stages = stages }

    /// Runs `receive` stage by stage; the first refusal ends it. Only the stages that
    /// received the request later `finish` it, as nested middleware would.
    func receive(_ request: inout HTTPRequest) -> (refusal: HTTPResponse, received: Int)? {
        for (index, stage) in stages.enumerated() {
            do {
                if let refusal = try stage.receive(&request) { return (refusal, index + 1) }
            } catch {
                return (response(for: error, to: request), index + 1)
            }
        }
        return nil
    }

    func response(for error: any Error, to request: HTTPRequest) -> HTTPResponse {
        for stage in stages {
            if let response = stage.response(for: error, to: request) { return response }
        }
        return Responder.response(for: error)
    }

    func finish(_ response: inout HTTPResponse, to request: HTTPRequest, received: Int, after seconds: Double) {
        for stage in stages[..<received].reversed() {
            stage.finish(&response, to: request, after: seconds)
        }
    }
}
