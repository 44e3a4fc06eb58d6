#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What the process's open-file limit leaves for connections.
///
/// Running out of descriptors is worse than refusing a client: libdispatch's Linux
/// worker monitor opens `/proc/TID/stat` and crashes the process (SIGILL) when it
/// cannot, and the daemon opens its database, checkpoints and datasets as it goes.
/// So the server never lets connections take the last `reserve` descriptors.
struct DescriptorBudget: Sendable, Equatable {
    /// Descriptors kept free for everything but connections.
    static let reserve = 32

    /// The soft `RLIMIT_NOFILE` in force (after `raisingSoftLimit`); `Int.max` when unlimited.
    let softLimit: Int
    /// Descriptors open when the budget was drawn up (listening sockets included).
    let openAtStart: Int
    /// Connections held at once: the configured maximum, or what the limit leaves (at least one).
    let connectionCap: Int

    init(softLimit: Int, openAtStart: Int, configured: Int) {
        self.softLimit = softLimit
        self.openAtStart = openAtStart
        let room = softLimit == Int.max ? configured : softLimit - openAtStart - Self.reserve
        connectionCap = max(1, min(configured, room))
    }

    /// Whether a connection that got descriptor number `fd` must be refused even below
    /// the cap: descriptors are handed out lowest first, so `fd` means at least `fd`
    /// others are open. This catches files the rest of the process opened since start
    /// eating into the reserve; half of it is still left for the refusal itself and
    /// for whatever the process opens next.
    func mustRefuse(descriptor fd: Int32) -> Bool {
        softLimit != Int.max && Int(fd) >= softLimit - Self.reserve / 2
    }

    /// Raises the soft open-file limit to the hard one (a daemon has no reason to stop
    /// short of what it is allowed), then sizes the budget from what is open now.
    static func raisingSoftLimit(configured: Int) -> DescriptorBudget {
        var limit = rlimit()
        let resource = Int32(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else {
            return DescriptorBudget(softLimit: Int.max, openAtStart: 0, configured: configured)
        }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        let soft = limit.rlim_cur == rlim_t.max ? Int.max : Int(clamping: limit.rlim_cur)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 16
        return DescriptorBudget(softLimit: soft, openAtStart: open, configured: configured)
    }

    /// One log line saying what the budget allows, and why when it is below `configured`.
    func summary(configured: Int) -> String {
        let limit = softLimit == Int.max ? "unlimited" : String(softLimit)
        let line = "serving at most \(connectionCap) connections at once (open-file limit \(limit), "
            + "\(openAtStart) open at start, \(Self.reserve) kept in reserve)"
        return connectionCap < configured ? line + "; max_connections \(configured) does not fit" : line
    }
}
