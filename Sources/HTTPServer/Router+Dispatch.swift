extension Router {
    /// Answers `request` as the routes say: a gate's refusal, a 404, a 405 with
    /// `Allow`, or the handler's response. Nil when the handler kept `responder` to
    /// answer later, from another thread.
    func dispatch(_ request: HTTPRequest, to responder: Responder) -> HTTPResponse? {
        if let refusal = refusal(for: request) { return refusal }
        switch resolve(method: request.method, path: request.path, segments: request.pathSegments) {
        case .notFound:
            return HTTPError(.notFound, .notFound, message: "no route for \(request.path)").response
        case .methodNotAllowed(let allow):
            let list = allow.map(\.rawValue).joined(separator: ", ")
            return HTTPError(.methodNotAllowed, .methodNotAllowed,
                             message: "\(request.method) is not allowed here; use \(list)", headers: ["Allow": list]).response
        case .handler(let handler, let parameters):
            var request = request
            request.pathParameters = parameters
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
