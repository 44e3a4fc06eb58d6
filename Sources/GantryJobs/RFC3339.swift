import Foundation

/// Times as the API and the quality cache write them: RFC 3339 in UTC, with fractional seconds.
package enum RFC3339 {
    package static func string(_ date: Date) -> String {
        var formatter = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        formatter.timeZone = TimeZone(identifier: "UTC")!
        return date.formatted(formatter)
    }
}
