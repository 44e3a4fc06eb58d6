/// A coding key for config objects whose keys are snake_case in JSON.
///
/// The daemon may decode its config with `JSONDecoder`'s default key strategy
/// or with `.convertFromSnakeCase` (which turns `base_urls` into `baseUrls`
/// before a type sees it); config types look each key up under both
/// spellings, so they decode the same either way, and refuse unknown keys so
/// a typo is an error rather than a silently ignored setting.
struct ConfigKey: CodingKey, Hashable {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    /// `base_urls` → `baseUrls`, as `.convertFromSnakeCase` spells it.
    static func camelCase(_ snake: String) -> String {
        let parts = snake.split(separator: "_", omittingEmptySubsequences: false)
        guard let first = parts.first else { return snake }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

extension KeyedDecodingContainer where Key == ConfigKey {
    func decode<T: Decodable>(_ type: T.Type, snake: String) throws -> T {
        guard let value = try decodeIfPresent(type, snake: snake) else {
            throw DecodingError.keyNotFound(ConfigKey(snake), .init(codingPath: codingPath, debugDescription: "the key \"\(snake)\" is required"))
        }
        return value
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, snake: String) throws -> T? {
        for spelling in [snake, ConfigKey.camelCase(snake)] where contains(ConfigKey(spelling)) {
            // A JSON null reads as absent, so `"state_dir": null` means "the default".
            return try decodeIfPresent(type, forKey: ConfigKey(spelling))
        }
        return nil
    }

    /// Fails on a key that is none of `known` (in either spelling).
    func rejectUnknownKeys(_ known: [String]) throws {
        let allowed = Set(known + known.map(ConfigKey.camelCase))
        for key in allKeys where !allowed.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [key],
                debugDescription: "unknown key \"\(key.stringValue)\"; the known keys are \(known.joined(separator: ", "))"))
        }
    }
}
