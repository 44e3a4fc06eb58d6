import Foundation

extension HTTPResponse {
    /// Encodes `value` as the JSON body. Encoding failure is a programming
    /// error in the handler's types, so it is thrown and becomes a 500.
    public static func json<T: Encodable>(
        _ value: T,
        status: HTTPStatus = .ok,
        encoder: JSONEncoder = JSONEncoder()
    ) throws -> HTTPResponse {
        let data = try encoder.encode(value)
        return .json(bytes: Array(data), status: status)
    }
}
