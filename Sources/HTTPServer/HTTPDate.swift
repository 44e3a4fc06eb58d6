#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `Date: …\r\n` header line (IMF-fixdate, RFC 9110 §5.6.7), formatted
/// at most once per second per connection: every response needs one, and a
/// DateFormatter per response would cost more than the rest of the response.
/// Confined to its connection's queue, so no lock.
struct HTTPDateCache {
    private var second: time_t = -1
    private var line: [UInt8] = []

    mutating func headerLine() -> [UInt8] {
        let now = time(nil)
        if now != second {
            second = now
            line = HTTPDateCache.format(now)
        }
        return line
    }

    static func format(_ seconds: time_t) -> [UInt8] {
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let text = "Date: \(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
        return Array(text.utf8)
    }
}
