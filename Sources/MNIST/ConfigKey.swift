/// A coding key for config objects and job requests, whose keys are snake_case in
/// JSON. Types that read with it refuse unknown keys, so a typo is an error rather
/// than a silently ignored setting.
public struct ConfigKey: CodingKey, Hashable, Sendable {
    public let stringValue: String
    public var intValue: Int? { nil }

    public init(_ string: String) { stringValue = string }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }

    /// `base_urls` → `baseUrls`: the Swift name of a snake_case key.
    public static func camelCase(_ snake: String) -> String {
        let parts = snake.split(separator: "_", omittingEmptySubsequences: false)
        guard let first = parts.first else { return snake }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

public extension KeyedDecodingContainer where Key == ConfigKey {
    func decode<T: Decodable>(_ type: T.Type, snake: String) throws -> T {
        guard let value = try decodeIfPresent(type, snake: snake) else {
            throw DecodingError.keyNotFound(ConfigKey(snake), .init(codingPath: codingPath, debugDescription: "the key \"\(snake)\" is required"))
        }
        return value
    }

    /// A JSON null reads as absent, so `"state_dir": null` means "the default".
    func decodeIfPresent<T: Decodable>(_ type: T.Type, snake: String) throws -> T? {
        try decodeIfPresent(type, forKey: ConfigKey(snake))
    }

    /// Fails on a key that is none of `known`.
    func rejectUnknownKeys(_ known: [String]) throws {
        let allowed = Set(known)
        for key in allKeys where !allowed.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [key],
                debugDescription: "unknown key \"\(key.stringValue)\"; the known keys are \(known.joined(separator: ", "))"))
        }
    }
}

public extension DecodingError {
    /// The key a `rejectUnknownKeys` refusal names, if this error is one.
    var unknownKey: String? {
        guard case .dataCorrupted(let context) = self, context.debugDescription.hasPrefix("unknown key"),
              let key = context.codingPath.last else { return nil }
        return key.stringValue
    }
}
