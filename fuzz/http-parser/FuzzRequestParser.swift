// libFuzzer target for the request parser. Built by scripts/fuzz-http.sh
// together with the parser's own source files (one module), so it reaches
// internal API. Not part of the SwiftPM package: SwiftPM executables do not
// link under -sanitize=fuzzer on Linux.
//
// Each input is treated as the bytes a client sent on one connection. The
// target checks, beyond "no crash, no hang":
// - every request taken consumes at least one byte and no more than offered;
// - the outcome is the same whether the bytes arrive at once or in pieces;
// - what the parser accepted can be echoed into a response the serializer
//   accepts (header values from a request can never split a response);
// - routing any accepted request terminates with a route, a 404 or a 405.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: data, count: size)
    // Small limits, so fuzzing reaches every limit path with short inputs.
    let limits = RequestParser.Limits(maxRequestLineBytes: 200, maxHeaderBytes: 400, maxHeaderCount: 8, maxBodyBytes: 300)

    let whole = outcomes(of: input, limits: limits, chunkSizes: nil)
    var seed = UInt64(size) &* 0x9E37_79B9_7F4A_7C15 &+ (size > 0 ? UInt64(input[0]) : 0)
    let pieces = outcomes(of: input, limits: limits, chunkSizes: {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        return Int(seed >> 59) + 1 // 1...32 bytes per read
    })
    if whole != pieces {
        fatalError("parsing depends on how the bytes are split:\n\(whole)\nvs\n\(pieces)")
    }
    return 0
}

private let router: Router = {
    var router = Router()
    router.get("/healthz") { _ in HTTPResponse() }
    router.get("/v1/jobs/{id}") { _ in HTTPResponse() }
    router.get("/v1/jobs/stats") { _ in HTTPResponse() }
    router.post("/v1/jobs/{id}/cancel") { _ in HTTPResponse() }
    router.get("/v1/jobs/{id}/epochs/{n}/samples") { _ in HTTPResponse() }
    return router
}()

/// Parses every request in `input`, feeding it whole or in chunks.
private func outcomes(of input: UnsafeBufferPointer<UInt8>, limits: RequestParser.Limits, chunkSizes: (() -> Int)?) -> [String] {
    var results: [String] = []
    var parser = RequestParser(limits: limits)
    var start = 0
    var available = chunkSizes == nil ? input.count : 0
    while true {
        if let next = chunkSizes, available < input.count {
            available = min(input.count, available + next())
        }
        let window = UnsafeBufferPointer(rebasing: input[start..<available])
        switch parser.parse(window) {
        case .needMore:
            if available == input.count {
                results.append("needMore")
                return results
            }
        case .failure(let error):
            check(error.response)
            results.append("failure \(error.status.code) \(error.code)")
            return results
        case .request(let request, let consumed):
            guard consumed > 0, consumed <= window.count else {
                fatalError("consumed \(consumed) of \(window.count)")
            }
            guard request.body.count <= limits.maxBodyBytes else { fatalError("body over the limit") }
            start += consumed
            parser.reset()
            results.append(describe(request, consumed: consumed))
        }
    }
}

private func describe(_ request: HTTPRequest, consumed: Int) -> String {
    // Echo every header value back: the serializer must accept it.
    var headers = HTTPHeaders()
    for field in request.headers { headers.add("X-Echo", field.value) }
    check(HTTPResponse(status: .ok, headers: headers, body: request.body))

    let route: String
    switch router.resolve(method: request.method, path: request.path, segments: request.pathSegments) {
    case .handler(_, let parameters): route = "route \(parameters.sorted { $0.key < $1.key })"
    case .notFound: route = "404"
    case .methodNotAllowed(let allow): route = "405 \(allow)"
    }
    return "\(consumed) \(request.method) \(request.target) \(request.pathSegments) \(request.queryItems) "
        + "\(request.version) \(request.headers.count) \(request.body.count) \(request.wantsKeepAlive) \(route)"
}

private func check(_ response: HTTPResponse) {
    guard ResponseSerializer.serialize(response, omitBody: false, keepAlive: true, announceKeepAlive: false,
                                       dateLine: Array("Date: x\r\n".utf8)) != nil else {
        fatalError("the serializer refused a response built from accepted input: \(response.headers)")
    }
}
