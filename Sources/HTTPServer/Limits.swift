extension HTTPServer {
    /// Every bound the server enforces on a client, in one plain value so the
    /// daemon's JSON configuration (`limits`) can map onto it directly.
    ///
    /// Decoding is forgiving: a missing key keeps its default, so a config file
    /// only names the limits it changes. Times are seconds as `Double` because
    /// that is what a person writes in JSON.
    public struct Limits: Sendable, Equatable, Codable {
        /// Longest request line (method, target, version), without its CRLF. Over it: 414.
        public var maxRequestLineBytes: Int = 8 * 1024
        /// Longest header section after the request line, CRLFs included. Over it: 431.
        public var maxHeaderBytes: Int = 16 * 1024
        /// Most header fields in one request. Over it: 431.
        public var maxHeaderCount: Int = 100
        /// Largest `Content-Length` accepted. Over it: 413, before any body byte is read.
        public var maxBodyBytes: Int = 1024 * 1024
        /// Open connections at once (fewer if the open-file limit leaves less room). At
        /// the limit a new client takes the slot of the connection that has waited
        /// longest without a complete request head; with every connection in the middle
        /// of a request, it is answered 503 and closed.
        public var maxConnections: Int = 1024
        /// The whole request head must arrive within this time of its first
        /// byte (and a new connection must send its head within this time of
        /// being accepted). This is what cuts slowloris clients. Over it: 408.
        public var headTimeoutSeconds: Double = 10
        /// A keep-alive connection with no request in progress is closed after this.
        public var idleTimeoutSeconds: Double = 30
        /// The body must arrive within this time of the end of the head. Over it: 408.
        public var bodyTimeoutSeconds: Double = 30
        /// A response the client does not read must drain within this time of
        /// the socket filling up, or the connection is dropped.
        public var writeTimeoutSeconds: Double = 30
        /// Bytes of responses waiting for the client before the server stops
        /// reading further pipelined requests from it.
        public var maxOutputBufferBytes: Int = 1024 * 1024
        /// After an error response the server stops reading requests but keeps
        /// draining what the client still sends, for at most this long, so the
        /// client sees the response instead of a connection reset.
        public var lingerSeconds: Double = 2

        public init() {}

        private enum CodingKeys: String, CodingKey {
            case maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes
            case maxConnections, headTimeoutSeconds, idleTimeoutSeconds, bodyTimeoutSeconds
            case writeTimeoutSeconds, maxOutputBufferBytes, lingerSeconds
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Limits()
            maxRequestLineBytes = try c.decodeIfPresent(Int.self, forKey: .maxRequestLineBytes) ?? d.maxRequestLineBytes
            maxHeaderBytes = try c.decodeIfPresent(Int.self, forKey: .maxHeaderBytes) ?? d.maxHeaderBytes
            maxHeaderCount = try c.decodeIfPresent(Int.self, forKey: .maxHeaderCount) ?? d.maxHeaderCount
            maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? d.maxBodyBytes
            maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? d.maxConnections
            headTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .headTimeoutSeconds) ?? d.headTimeoutSeconds
            idleTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .idleTimeoutSeconds) ?? d.idleTimeoutSeconds
            bodyTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .bodyTimeoutSeconds) ?? d.bodyTimeoutSeconds
            writeTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .writeTimeoutSeconds) ?? d.writeTimeoutSeconds
            maxOutputBufferBytes = try c.decodeIfPresent(Int.self, forKey: .maxOutputBufferBytes) ?? d.maxOutputBufferBytes
            lingerSeconds = try c.decodeIfPresent(Double.self, forKey: .lingerSeconds) ?? d.lingerSeconds
        }

        /// Problems that would make the server misbehave rather than refuse
        /// clients; `HTTPServer.start()` refuses to run with any of them.
        public func validationErrors() -> [String] {
            var problems: [String] = []
            func positive(_ name: String, _ value: Int) {
                if value <= 0 { problems.append("\(name) must be positive (got \(value))") }
            }
            func positive(_ name: String, _ value: Double) {
                if !(value > 0 && value.isFinite) { problems.append("\(name) must be a positive number of seconds (got \(value))") }
            }
            positive("maxRequestLineBytes", maxRequestLineBytes)
            positive("maxHeaderBytes", maxHeaderBytes)
            positive("maxHeaderCount", maxHeaderCount)
            if maxBodyBytes < 0 { problems.append("maxBodyBytes must not be negative (got \(maxBodyBytes))") }
            positive("maxConnections", maxConnections)
            positive("maxOutputBufferBytes", maxOutputBufferBytes)
            positive("headTimeoutSeconds", headTimeoutSeconds)
            positive("idleTimeoutSeconds", idleTimeoutSeconds)
            positive("bodyTimeoutSeconds", bodyTimeoutSeconds)
            positive("writeTimeoutSeconds", writeTimeoutSeconds)
            positive("lingerSeconds", lingerSeconds)
            return problems
        }

        /// The parser's share of the limits.
        var parserLimits: RequestParser.Limits {
            RequestParser.Limits(
                maxRequestLineBytes: maxRequestLineBytes,
                maxHeaderBytes: maxHeaderBytes,
                maxHeaderCount: maxHeaderCount,
                maxBodyBytes: maxBodyBytes
            )
        }
    }
}
