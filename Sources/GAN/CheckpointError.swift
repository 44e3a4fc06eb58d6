/// Why a checkpoint file was refused. Each case reads as a sentence a person can act on.
public enum CheckpointError: Error, Sendable, CustomStringConvertible, Equatable {
    case notACheckpoint(String)
    case unsupportedVersion(UInt32)
    case truncated(String)
    case checksumMismatch(expected: UInt32, computed: UInt32)
    case inconsistent(String)
    case io(String)
    /// A file operation that failed: `action` ("cannot write"), the file, and the system's reason.
    case file(action: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .notACheckpoint(let detail): "not a Gantry checkpoint: \(detail)"
        case .unsupportedVersion(let v): "checkpoint format version \(v) is not supported (this build reads versions \(Checkpoint.readableVersions.lowerBound)–\(Checkpoint.readableVersions.upperBound))"
        case .truncated(let detail): "checkpoint is truncated: \(detail)"
        case .checksumMismatch(let expected, let computed):
            "checkpoint is corrupted: its CRC-32 says \(hex(expected)) but the contents hash to \(hex(computed))"
        case .inconsistent(let detail): "checkpoint does not match its own configuration: \(detail)"
        case .io(let detail): detail
        case .file(let action, let path, let reason): "\(action) \(path): \(reason)"
        }
    }

    /// The sentence for a client: what happened without the server's file layout
    /// (the full `description`, with the path, is for the log).
    public var clientDescription: String {
        switch self {
        case .file(let action, _, let reason): "\(action) one of the job's files: \(reason) (the server log names the file)"
        default: description
        }
    }
}

private func hex(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
