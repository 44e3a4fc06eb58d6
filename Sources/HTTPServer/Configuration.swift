extension HTTPServer {
    /// Where to listen and how hard to hold on.
    public struct Configuration: Sendable, Equatable, Codable {
        /// An IPv4 or IPv6 literal (`127.0.0.1`, `::1`, `0.0.0.0`, `::`) or a
        /// name such as `localhost`, which binds every address it resolves to.
        public var host: String
        /// 0 asks the kernel for a free port; `start()` returns the one bound.
        public var port: UInt16
        /// Pending-connection queue handed to `listen(2)`; the kernel caps it at somaxconn.
        public var backlog: Int32
        public var limits: Limits

        public init(host: String = "127.0.0.1", port: UInt16 = 8080, backlog: Int32 = 4096, limits: Limits = Limits()) {
            self.host = host
            self.port = port
            self.backlog = backlog
            self.limits = limits
        }

        private enum CodingKeys: String, CodingKey {
            case host, port, backlog, limits
        }

        /// Missing keys keep their defaults, as in `Limits`.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Configuration()
            host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
            port = try c.decodeIfPresent(UInt16.self, forKey: .port) ?? d.port
            backlog = try c.decodeIfPresent(Int32.self, forKey: .backlog) ?? d.backlog
            limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? d.limits
        }
    }
}
