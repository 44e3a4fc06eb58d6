import Foundation
import Logging

/// swift-log's lines as the daemon writes them to stderr, for journald: `gantry: `,
/// the level when it is not `info` (`warning: `, `error: `), the message, then the
/// metadata as `key=value`. No timestamp: journald adds its own.
struct ConsoleLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        Console.error(Self.line(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }

    static func line(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        let tag = level == .info || level == .notice ? "" : "\(level): "
        let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "gantry: \(tag)\(message)" + (fields.isEmpty ? "" : " (\(fields))")
    }
}
