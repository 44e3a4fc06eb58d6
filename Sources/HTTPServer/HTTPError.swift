/// An error that knows its HTTP answer. Handlers throw it to refuse a request
/// with a specific status (`throw HTTPError(.badRequest, code: "invalid_parameter",
/// message: "epochs must be between 1 and 10000")`); the parser produces it for
/// malformed requests. Any other error thrown by a handler becomes a 500.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPStatus
    /// Machine-readable, snake_case (`invalid_parameter`, `not_found`).
    public var code: String
    /// A sentence a person can act on.
    public var message: String
    /// Extra response headers, such as `Allow` on a 405.
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, code: String, message: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// A refusal of the server itself (parser, router, connection), with one of its own codes.
    public init(_ status: HTTPStatus, _ code: ServerCode, message: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.init(status, code: code.rawValue, message: message, headers: headers)
    }

    /// Every code the server itself answers with, before or around any handler: the
    /// list API documents (the OpenAPI document, docs/api.md) are checked against.
    public enum ServerCode: String, Sendable, CaseIterable {
        case badRequest = "bad_request"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case uriTooLong = "uri_too_long"
        case headerFieldsTooLarge = "header_fields_too_large"
        case lengthRequired = "length_required"
        case notImplemented = "not_implemented"
        case payloadTooLarge = "payload_too_large"
        case httpVersionNotSupported = "http_version_not_supported"
        case requestTimeout = "request_timeout"
        case tooManyConnections = "too_many_connections"
        case `internal`
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON error response, built without Foundation so the parser (and
    /// its fuzz harness) stays free of it.
    public var response: HTTPResponse {
        var body = Array(#"{"error":{"code":"#.utf8)
        appendJSONString(code, to: &body)
        body.append(contentsOf: #","message":"#.utf8)
        appendJSONString(message, to: &body)
        body.append(contentsOf: "}}\n".utf8)
        var headers = self.headers
        headers.set("Content-Type", HTTPResponse.jsonContentType)
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}

/// Appends `string` as a JSON string literal (RFC 8259 §7).
func appendJSONString(_ string: String, to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0..<0x20:
            out.append(contentsOf: Array(#"\u00"#.utf8))
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        default: out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}
