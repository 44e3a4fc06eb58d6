/// Why a checkpoint file was refused. Each case reads as a sentence a person can act on.
public enum CheckpointError: Error, Sendable, CustomStringConvertible, Equatable {
    case notACheckpoint(String)
    case unsupportedVersion(UInt32)
    case truncated(String)
    case checksumMismatch(expected: UInt32, computed: UInt32)
    case inconsistent(String)
    case io(String)

    public var description: String {
        switch self {
        case .notACheckpoint(let detail): "not a Gantry checkpoint: \(detail)"
        case .unsupportedVersion(let v): "checkpoint format version \(v) is not supported (this build reads version \(Checkpoint.version))"
        case .truncated(let detail): "checkpoint is truncated: \(detail)"
        case .checksumMismatch(let expected, let computed):
            "checkpoint is corrupted: its CRC-32 says \(hex(expected)) but the contents hash to \(hex(computed))"
        case .inconsistent(let detail): "checkpoint does not match its own configuration: \(detail)"
        case .io(let detail): detail
        }
    }
}

private func hex(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
