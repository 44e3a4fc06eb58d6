extension DecodingError {
    /// The dotted path of the key a decoding error is about.
    package var keyPath: String {
        let path: [any CodingKey]
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        case .keyNotFound(let key, let c): path = c.codingPath + [key]
        @unknown default: path = []
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// What the value must be, as `JSONValueDecoder` and the config types say it
    /// ("must be a whole number"); the key is `keyPath`.
    package var readableMessage: String {
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): c.debugDescription
        case .keyNotFound: "is required"
        @unknown default: "is invalid"
        }
    }
}
