import Dispatch

extension Router {
    /// Answers `request` as the middleware and routes say: a stage's refusal, a 404, a
    /// 405 with `Allow`, or the handler's response, each finished by the middleware.
    /// Nil when the handler kept `responder` to answer later, from another thread.
    func dispatch(_ request: HTTPRequest, to responder: Responder) -> HTTPResponse? {
        var request = request
        let pipeline = self.pipeline
        // A router without middleware (a benchmark's) pays nothing for the pipeline.
        let startedAt = pipeline.stages.isEmpty ? 0 : DispatchTime.now().uptimeNanoseconds
        if let (refusal, received) = pipeline.receive(&request) {
            responder.begin(request, pipeline: pipeline, received: received, startedAt: startedAt)
            responder.respond(refusal)
            return responder.handlerReturned(thrown: nil)
        }
        let resolution = resolve(method: request.method, path: request.path, segments: request.pathSegments)
        if case .handler(_, let parameters) = resolution { request.pathParameters = parameters }
        if !pipeline.stages.isEmpty {
            responder.begin(request, pipeline: pipeline, received: pipeline.stages.count, startedAt: startedAt)
        }
        switch resolution {
        case .notFound:
            responder.respond(HTTPError(.notFound, .notFound, message: "no route for \(request.path)").response)
            return responder.handlerReturned(thrown: nil)
        case .methodNotAllowed(let allow):
            let list = allow.map(\.rawValue).joined(separator: ", ")
            responder.respond(HTTPError(.methodNotAllowed, .methodNotAllowed,
                                        message: "\(request.method) is not allowed here; use \(list)", headers: ["Allow": list]).response)
            return responder.handlerReturned(thrown: nil)
        case .handler(let handler, _):
            var thrown: (any Error)?
            do {
                try handler(request, responder)
            } catch {
                thrown = error
            }
            return responder.handlerReturned(thrown: thrown)
        }
    }
}
