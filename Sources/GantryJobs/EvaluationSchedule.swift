import GAN

/// How often a job's generator is scored (`eval_every`): every N epochs and at the
/// last (0: never), or `auto`, an interval chosen from the dataset's size so that
/// scoring costs about a tenth of training at most.
///
/// `auto` is decided from sizes, not from timings, so two runs of one job score the
/// same epochs (a resumed run too) on any machine.
public enum EvaluationSchedule: Sendable, Equatable, Codable, CustomStringConvertible {
    case auto
    case every(Int)

    /// Scoring's share of training time that `auto` stays under.
    public static let budget = 0.1
    /// Seconds to score one generated digit over seconds to train on one image, measured
    /// with the default model: 10,000 digits scored in 0.07 s, 4,000 images trained in
    /// 0.04 s on two lanes (0.07 s on one), AMD EPYC (Zen 5), Cooperlake kernels.
    public static let scoringCostPerTrainingImage = 0.75

    /// The interval in epochs for a job whose epoch is `imagesPerEpoch` images and whose
    /// evaluations draw `samples` digits; 0 when it never scores.
    public func interval(imagesPerEpoch: Int, samples: Int) -> Int {
        switch self {
        case .every(let n): return n
        case .auto:
            let perEpoch = Double(samples) * Self.scoringCostPerTrainingImage / (Self.budget * Double(max(imagesPerEpoch, 1)))
            return min(10_000, max(1, Int(perEpoch.rounded(.up))))
        }
    }

    public var isOff: Bool { self == .every(0) }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .every(let n): return String(n)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) {
            self = .every(n)
        } else if let text = try? c.decode(String.self), text == "auto" {
            self = .auto
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be \"auto\" or a whole number")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .auto: try c.encode("auto")
        case .every(let n): try c.encode(n)
        }
    }
}
