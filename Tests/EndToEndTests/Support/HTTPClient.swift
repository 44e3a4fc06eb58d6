import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP response as the tests see it.
struct Response: CustomStringConvertible {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object, or nil.
    var object: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) as? [String: Any]
    }

    var errorCode: String? { (object?["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (object?["error"] as? [String: Any])?["message"] as? String }

    var description: String {
        let shown = body.count > 600 ? String(decoding: body.prefix(600), as: UTF8.self) + "… (\(body.count) bytes)" : text
        return "HTTP \(status) \(shown)"
    }
}

struct HTTPClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A small blocking HTTP/1.1 client over a POSIX socket: one request per
/// connection, every step bounded by a deadline. The tests use it rather than
/// URLSession so they can also send bytes no well-behaved client would.
enum HTTPClient {
    static func request(port: Int, method: String, path: String, headers: [String: String] = [:],
                        body: [UInt8]? = nil, timeout: Double = 15) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\n"
        if headers["Host"] == nil { head += "Host: 127.0.0.1:\(port)\r\n" }
        head += "Connection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return try raw(port: port, bytes: Array(head.utf8) + (body ?? []), timeout: timeout,
                       expectBody: method != "HEAD")
    }

    /// Sends `bytes` as they are and reads one response.
    static func raw(port: Int, bytes: [UInt8], timeout: Double = 15, expectBody: Bool = true) throws -> Response {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 {
            guard errno == EINPROGRESS else { throw HTTPClientError("connect to port \(port): \(String(cString: strerror(errno)))") }
            try wait(fd, events: Int16(POLLOUT), deadline: deadline, what: "connect")
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { throw HTTPClientError("connect to port \(port): \(String(cString: strerror(error)))") }
        }

        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(fd, events: Int16(POLLOUT), deadline: deadline, what: "send")
                continue
            }
            // The server may answer early (413) and stop reading: read what it said.
            break
        }

        var input: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var response: Response?
        var headerEnd: Int?
        while true {
            if let end = headerEnd ?? findHeaderEnd(input) {
                if response == nil {
                    headerEnd = end
                    response = try parseHead(Array(input[0..<end]))
                }
                if let complete = try completeBody(response!, Array(input[(end + 4)...]), expectBody: expectBody, eof: false) {
                    response!.body = complete
                    return response!
                }
            }
            try wait(fd, events: Int16(POLLIN), deadline: deadline, what: "read")
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { input += buffer[0..<n]; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { continue }
            // EOF or reset.
            if let end = headerEnd ?? findHeaderEnd(input) {
                var r = try response ?? parseHead(Array(input[0..<end]))
                if let complete = try completeBody(r, Array(input[(end + 4)...]), expectBody: expectBody, eof: true) {
                    r.body = complete
                    return r
                }
                throw HTTPClientError("connection closed before the body was complete (\(input.count) bytes read)")
            }
            throw HTTPClientError("connection closed before a response head (\(input.count) bytes read: \(String(decoding: input.prefix(200), as: UTF8.self)))")
        }
    }

    private static func wait(_ fd: Int32, events: Int16, deadline: Date, what: String) throws {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw HTTPClientError("timed out waiting to \(what)") }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, Int32(min(remaining * 1000, 1000)) + 1)
            if r > 0 { return }
            if r < 0 && errno != EINTR { throw HTTPClientError("poll: \(String(cString: strerror(errno)))") }
        }
    }

    private static func findHeaderEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    private static func parseHead(_ bytes: [UInt8]) throws -> Response {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw HTTPClientError("bad status line: \(lines[0])")
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw HTTPClientError("bad header line: \(line)") }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return Response(status: status, headers: headers, body: [])
    }

    /// The body if `rest` holds all of it, else nil.
    private static func completeBody(_ r: Response, _ rest: [UInt8], expectBody: Bool, eof: Bool) throws -> [UInt8]? {
        if !expectBody || r.status == 204 || r.status == 304 || (100..<200).contains(r.status) { return [] }
        if let length = r.header("Content-Length").flatMap({ Int($0) }) {
            return rest.count >= length ? Array(rest.prefix(length)) : nil
        }
        if r.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            var out: [UInt8] = []
            var i = 0
            while true {
                guard let lineEnd = indexOfCRLF(rest, from: i) else { return nil }
                let sizeText = String(decoding: rest[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw HTTPClientError("bad chunk size \(sizeText)")
                }
                let start = lineEnd + 2
                if size == 0 { return out }
                guard rest.count >= start + size + 2 else { return nil }
                out += rest[start..<(start + size)]
                i = start + size + 2
            }
        }
        return eof ? rest : nil
    }

    private static func indexOfCRLF(_ bytes: [UInt8], from: Int) -> Int? {
        var i = from
        while i + 1 < bytes.count {
            if bytes[i] == 13 && bytes[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }
}

/// The daemon's API as the tests call it.
struct API {
    var port: Int
    var token: String?

    private var auth: [String: String] { token.map { ["Authorization": "Bearer \($0)"] } ?? [:] }

    func get(_ path: String, headers: [String: String] = [:], timeout: Double = 15) throws -> Response {
        try HTTPClient.request(port: port, method: "GET", path: path, headers: auth.merging(headers) { $1 }, timeout: timeout)
    }

    func delete(_ path: String) throws -> Response {
        try HTTPClient.request(port: port, method: "DELETE", path: path, headers: auth)
    }

    func post(_ path: String, json: Any? = nil, headers: [String: String] = [:]) throws -> Response {
        var all = auth.merging(headers) { $1 }
        var body: [UInt8]? = nil
        if let json {
            body = Array(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .fragmentsAllowed]))
            all["Content-Type"] = "application/json"
        }
        return try HTTPClient.request(port: port, method: "POST", path: path, headers: all, body: body ?? [])
    }

    func post(_ path: String, rawBody: String, headers: [String: String] = [:]) throws -> Response {
        var all = auth.merging(headers) { $1 }
        all["Content-Type"] = "application/json"
        return try HTTPClient.request(port: port, method: "POST", path: path, headers: all, body: Array(rawBody.utf8))
    }

    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil) throws -> Response {
        try HTTPClient.request(port: port, method: method, path: path, headers: auth.merging(headers) { $1 }, body: body)
    }

    /// POSTs a job and returns its object; fails the test unless the answer is 201.
    func createJob(_ fields: [String: Any], headers: [String: String] = [:]) throws -> Job {
        let r = try post("/v1/jobs", json: fields, headers: headers)
        guard r.status == 201, let object = r.object else {
            throw HTTPClientError("POST /v1/jobs \(fields) answered \(r)")
        }
        return Job(object)
    }

    func job(_ id: String) throws -> Job {
        let r = try get("/v1/jobs/\(id)")
        guard r.status == 200, let object = r.object else { throw HTTPClientError("GET /v1/jobs/\(id) answered \(r)") }
        return Job(object)
    }

    /// Polls the job until `done` holds, or throws after `timeout` seconds.
    @discardableResult
    func waitFor(_ id: String, timeout: Double, every interval: Double = 0.05, what: String,
                 _ done: (Job) -> Bool) throws -> Job {
        let deadline = Date().addingTimeInterval(timeout)
        var last: Job?
        while Date() < deadline {
            let job = try self.job(id)
            if done(job) { return job }
            last = job
            Thread.sleep(forTimeInterval: interval)
        }
        throw HTTPClientError("job \(id) did not reach \"\(what)\" within \(timeout) s; last seen: \(last.map { "\($0.object)" } ?? "nothing")")
    }

    @discardableResult
    func waitForStatus(_ id: String, _ statuses: Set<String>, timeout: Double) throws -> Job {
        try waitFor(id, timeout: timeout, what: "status in \(statuses.sorted())") { statuses.contains($0.status) }
    }

    /// Long-polls `losses` from epoch `since` until the job is finished, collecting
    /// every epoch record it returns. Bounded by `timeout`.
    func followLosses(_ id: String, since: Int = 0, wait: Int = 10, timeout: Double) throws -> (epochs: [[String: Any]], status: String) {
        let deadline = Date().addingTimeInterval(timeout)
        var since = since
        var collected: [[String: Any]] = []
        while Date() < deadline {
            let r = try get("/v1/jobs/\(id)/losses?since=\(since)&wait=\(wait)", timeout: Double(wait) + 10)
            guard r.status == 200, let object = r.object else { throw HTTPClientError("losses answered \(r)") }
            let epochs = object["epochs"] as? [[String: Any]] ?? []
            collected += epochs
            if let last = epochs.last?["epoch"] as? Int { since = last }
            let status = object["status"] as? String ?? "?"
            if ["completed", "failed", "cancelled"].contains(status) {
                // Finished: one more read without waiting picks up anything recorded last.
                let tail = try get("/v1/jobs/\(id)/losses?since=\(since)")
                collected += tail.object?["epochs"] as? [[String: Any]] ?? []
                return (collected, status)
            }
        }
        throw HTTPClientError("job \(id) did not finish within \(timeout) s (epochs so far: \(collected.count))")
    }
}

/// A job object, with typed access to the fields the tests read.
struct Job {
    var object: [String: Any]
    init(_ object: [String: Any]) { self.object = object }

    var id: String { object["id"] as? String ?? "" }
    var status: String { object["status"] as? String ?? "" }
    var error: String? { object["error"] as? String }
    var config: [String: Any] { object["config"] as? [String: Any] ?? [:] }
    var progress: [String: Any] { object["progress"] as? [String: Any] ?? [:] }
    var epoch: Int { progress["epoch"] as? Int ?? -1 }
    var step: Int { progress["step"] as? Int ?? -1 }
    var createdAt: Date? { Timestamp.parse(object["created_at"]) }
    var startedAt: Date? { Timestamp.parse(object["started_at"]) }
    var finishedAt: Date? { Timestamp.parse(object["finished_at"]) }
    var isFinished: Bool { ["completed", "failed", "cancelled"].contains(status) }
}

enum Timestamp {
    /// RFC 3339, with or without fractional seconds.
    static func parse(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = fractional.date(from: text) { return d }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }
}
