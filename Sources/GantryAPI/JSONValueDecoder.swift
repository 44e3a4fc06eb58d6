import MNIST

/// Decodes any `Decodable` from a `JSONValue`: the one path by which the daemon reads
/// JSON it is given, its config file and job requests alike.
///
/// The rules are the API's: a whole number is any literal without a fractional part
/// (`3`, `3.0` and `3e0` alike, as JSON Schema's `integer`), a fractional number is the literal rounded to the nearest `Double` (then
/// to `Float` for a `Float`) and must be finite, and `null` reads as absent (the default).
/// An `Int` literal beyond `Int` reads as `Int.max` or `Int.min`, so the field's range
/// check refuses it in its own words; other integer types refuse what they cannot hold.
/// Errors are `DecodingError`s whose path names the key and whose description says what
/// the value must be ("must be a whole number").
package struct JSONValueDecoder {
    /// Look `max_body_bytes` up as `maxBodyBytes` too, for types whose coding keys are
    /// Swift's camelCase names (`HTTPServer.Limits`).
    var convertsSnakeCaseKeys = false
    /// Handed to the types decoded (`ServiceConfig` takes its defaults from it).
    var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    package init(convertsSnakeCaseKeys: Bool = false, userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.convertsSnakeCaseKeys = convertsSnakeCaseKeys
        self.userInfo = userInfo
    }

    package func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try T(from: JSONValueDecoding(value: value, codingPath: [], convertsSnakeCaseKeys: convertsSnakeCaseKeys, userInfo: userInfo))
    }
}

private struct JSONValueDecoding: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let convertsSnakeCaseKeys: Bool
    let info: [CodingUserInfoKey: any Sendable]
    var userInfo: [CodingUserInfoKey: Any] { info }

    init(value: JSONValue, codingPath: [any CodingKey], convertsSnakeCaseKeys: Bool, userInfo: [CodingUserInfoKey: any Sendable]) {
        self.value = value
        self.codingPath = codingPath
        self.convertsSnakeCaseKeys = convertsSnakeCaseKeys
        info = userInfo
    }

    func child(_ value: JSONValue, _ key: any CodingKey) -> JSONValueDecoding {
        JSONValueDecoding(value: value, codingPath: codingPath + [key], convertsSnakeCaseKeys: convertsSnakeCaseKeys, userInfo: info)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: Any].self, "must be an object") }
        var keyed = members
        if convertsSnakeCaseKeys {
            for (key, member) in members where key.contains("_") { keyed[ConfigKey.camelCase(key), default: member] = member }
        }
        return KeyedDecodingContainer(ObjectContainer<Key>(decoder: self, members: keyed, names: Array(members.keys)))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([Any].self, "must be a list") }
        return ArrayContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { ScalarContainer(decoder: self) }

    func mismatch(_ type: Any.Type, _ rule: String) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: rule))
    }
}

/// A scalar read by the rules above; the keyed and list containers hand each member to one.
private struct ScalarContainer: SingleValueDecodingContainer {
    let decoder: JSONValueDecoding
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = decoder.value else { throw decoder.mismatch(type, "must be true or false") }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = decoder.value else { throw decoder.mismatch(type, "must be a string") }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let literal) = decoder.value, let number = Double(literal) else { throw decoder.mismatch(type, "must be a number") }
        guard number.isFinite else { throw decoder.mismatch(type, "must be a finite number") }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float {
        let number = Float(try decode(Double.self))
        guard number.isFinite else { throw decoder.mismatch(type, "must be a finite number") }
        return number
    }

    func decode(_ type: Int.Type) throws -> Int {
        let literal = try wholeNumber(type, "must be a whole number")
        return Int(literal) ?? (literal.hasPrefix("-") ? Int.min : Int.max)
    }

    /// Every other integer type: exactly representable, or refused with its range.
    func exact<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let rule = "must be a whole number between \(T.min) and \(T.max)"
        guard let number = T(try wholeNumber(type, rule)) else { throw decoder.mismatch(type, rule) }
        return number
    }

    /// The value in digits: any literal without a fractional part, as JSON Schema's
    /// `integer` reads it (`3`, `3.0`, `3e0`).
    private func wholeNumber(_ type: Any.Type, _ rule: String) throws -> String {
        guard case .number(let literal) = decoder.value, let digits = WholeNumberLiteral.canonical(literal) else {
            throw decoder.mismatch(type, rule)
        }
        return digits
    }

    func decode(_ type: Int8.Type) throws -> Int8 { try exact(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try exact(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try exact(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try exact(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try exact(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try exact(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try exact(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try exact(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try exact(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}

private struct ObjectContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueDecoding
    let members: [String: JSONValue]
    /// The keys as written, for `allKeys` (an unknown-key check names what the user wrote).
    let names: [String]
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { names.compactMap(Key.init(stringValue:)) }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func scalar(_ key: Key) throws -> ScalarContainer {
        guard let member = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "is required"))
        }
        return ScalarContainer(decoder: decoder.child(member, key))
    }

    func decodeNil(forKey key: Key) throws -> Bool { members[key.stringValue].map { $0 == .null } ?? true }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try scalar(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try scalar(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try scalar(key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try scalar(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try scalar(key).decode(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try scalar(key).decode(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try scalar(key).decode(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try scalar(key).decode(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try scalar(key).decode(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try scalar(key).decode(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try scalar(key).decode(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try scalar(key).decode(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try scalar(key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try scalar(key).decode(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try scalar(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try scalar(key).decoder.container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try scalar(key).decoder.unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try scalar(key).decoder }
}

private struct ArrayContainer: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoding
    let elements: [JSONValue]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private struct Index: CodingKey {
        let intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    private mutating func next() throws -> ScalarContainer {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath + [Index(currentIndex)], debugDescription: "is missing"))
        }
        defer { currentIndex += 1 }
        return ScalarContainer(decoder: decoder.child(elements[currentIndex], Index(currentIndex)))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try next().decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().decode(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().decoder.container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().decoder.unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next().decoder }
}
