import Foundation
import HTTPServer

/// JSON as the API writes it: stable key order, unescaped slashes in links.
enum APIJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func response<T: Encodable>(_ value: T, status: HTTPStatus = .ok) throws -> HTTPResponse {
        try HTTPResponse.json(value, status: status, encoder: encoder())
    }
}
