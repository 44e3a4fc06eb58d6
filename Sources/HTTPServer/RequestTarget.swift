/// Splits a request-target into path, decoded segments and query items.
enum RequestTarget {
    struct Parsed {
        var path: String
        var segments: [String]
        var queryItems: [QueryItem]
    }

    /// Accepts origin-form (`/a/b?q`), absolute-form (`http://host/a/b?q`,
    /// which RFC 9112 §3.2.2 says servers must accept) and `*` for OPTIONS.
    /// Authority-form (CONNECT) is not something this server does: 400.
    static func parse(_ target: UnsafeBufferPointer<UInt8>, method: HTTPMethod) throws(HTTPError) -> Parsed {
        if target.count == 1 && target[0] == UInt8(ascii: "*") {
            guard method == .options else { throw bad("`*` is only a valid target for OPTIONS") }
            return Parsed(path: "*", segments: [], queryItems: [])
        }

        var start = 0
        if target.first != ASCII.slash {
            guard let pathStart = absoluteFormPathStart(target) else {
                throw bad("the request target must be a path starting with /")
            }
            start = pathStart
        }

        var queryStart = target.count
        if let q = target[start...].firstIndex(of: ASCII.question) { queryStart = q }

        let pathBytes = UnsafeBufferPointer(rebasing: target[start..<queryStart])
        // `http://host?x` has no path: RFC 9112 §3.2.2 says it means `/`.
        let path = pathBytes.isEmpty ? "/" : String(decoding: pathBytes, as: UTF8.self)
        let segments = try pathBytes.isEmpty ? [] : decodeSegments(pathBytes)

        var items: [QueryItem] = []
        if queryStart < target.count {
            items = try decodeQuery(UnsafeBufferPointer(rebasing: target[(queryStart + 1)...]))
        }
        return Parsed(path: path, segments: segments, queryItems: items)
    }

    /// Index of the path in `http://authority/path`, `target.count` when the
    /// authority is followed only by a query or nothing; nil when not absolute-form.
    private static func absoluteFormPathStart(_ t: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        while i < t.count, isSchemeByte(t[i], first: i == 0) { i += 1 }
        guard i > 0, i + 2 < t.count, t[i] == ASCII.colon, t[i + 1] == ASCII.slash, t[i + 2] == ASCII.slash else {
            return nil
        }
        i += 3
        let authorityStart = i
        while i < t.count, t[i] != ASCII.slash, t[i] != ASCII.question { i += 1 }
        guard i > authorityStart else { return nil }
        // A path-less absolute target keeps its query: the caller sees an empty path.
        return i
    }

    private static func isSchemeByte(_ b: UInt8, first: Bool) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."): !first
        default: false
        }
    }

    /// `/` → `[]`, `/a/b` → `["a", "b"]`, `/a/` → `["a", ""]`.
    private static func decodeSegments(_ path: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> [String] {
        guard path.count > 1 else { return [] }
        var segments: [String] = []
        var segmentStart = 1
        var i = 1
        while i <= path.count {
            if i == path.count || path[i] == ASCII.slash {
                let raw = UnsafeBufferPointer(rebasing: path[segmentStart..<i])
                guard let segment = PercentDecoding.decode(raw, plusIsSpace: false) else {
                    throw bad("the path has an invalid percent-encoding")
                }
                segments.append(segment)
                segmentStart = i + 1
            }
            i += 1
        }
        return segments
    }

    private static func decodeQuery(_ query: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> [QueryItem] {
        var items: [QueryItem] = []
        var pairStart = 0
        var i = 0
        while i <= query.count {
            if i == query.count || query[i] == UInt8(ascii: "&") {
                if i > pairStart {
                    let pair = UnsafeBufferPointer(rebasing: query[pairStart..<i])
                    let eq = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.count
                    let rawName = UnsafeBufferPointer(rebasing: pair[0..<eq])
                    let rawValue = eq < pair.count ? UnsafeBufferPointer(rebasing: pair[(eq + 1)...]) : UnsafeBufferPointer(rebasing: pair[0..<0])
                    guard let name = PercentDecoding.decode(rawName, plusIsSpace: true),
                          let value = PercentDecoding.decode(rawValue, plusIsSpace: true) else {
                        throw bad("the query string has an invalid percent-encoding")
                    }
                    items.append(QueryItem(name: name, value: value))
                }
                pairStart = i + 1
            }
            i += 1
        }
        return items
    }

    private static func bad(_ message: String) -> HTTPError {
        HTTPError(.badRequest, .badRequest, message: message)
    }
}
