import Foundation

/// How many lanes a training step is split across: a fixed count, or `auto`, which
/// lets a `LaneCountTuner` choose between one and all cores by timing the steps.
/// (OpenBLAS itself stays on one thread; each lane calls it for its own slice.)
/// Written as a number or the string `"auto"` in configuration (`blas_threads`, the
/// key's name since before lanes) and on the command line.
public enum LaneCountSetting: Sendable, Equatable, Codable, CustomStringConvertible {
    case fixed(Int)
    case auto

    public static let range = 1...64

    /// `"auto"` or a whole number in `range`; nil for anything else.
    public init?(_ text: String) {
        if text == "auto" {
            self = .auto
        } else if let n = Int(text), Self.range.contains(n) {
            self = .fixed(n)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .fixed(let n): String(n)
        }
    }

    /// The tuner that applies this setting step by step. Counts above the number of
    /// cores are cut to it: a lane with no core of its own only makes the others wait,
    /// and the count does not change results.
    public func tuner(cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> LaneCountTuner {
        let cores = min(max(cores, 1), Self.range.upperBound)
        return switch self {
        case .fixed(let n): LaneCountTuner(candidates: [min(n, cores)])
        case .auto: LaneCountTuner(candidates: [1, cores])
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) {
            guard Self.range.contains(n) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be \"auto\" or between 1 and 64")
            }
            self = .fixed(n)
        } else if let text = try? c.decode(String.self), text == "auto" {
            self = .auto
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be \"auto\" or between 1 and 64")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .auto: try c.encode("auto")
        case .fixed(let n): try c.encode(n)
        }
    }
}
