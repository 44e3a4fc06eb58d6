/// Which differentiable augmentations (`DifferentiableAugment`) transform every image the
/// convolutional discriminator sees, as the `d_augment` field names them: a
/// comma-separated list of `translation`, `cutout`, `brightness` and `contrast`; `""` or
/// `"none"` is off.
///
/// A policy is a set: however the list orders its names, the transforms apply in one
/// order, DiffAugment's `color,translation,cutout` (brightness, then contrast, then
/// translation, then cutout), and the policy is written back in that order. So two
/// spellings of one policy are one job (one idempotency key) and one checkpoint.
public struct AugmentPolicy: Sendable, Hashable, CustomStringConvertible, Codable {
    /// The transforms, in the order they apply.
    public enum Transform: String, Sendable, CaseIterable {
        case brightness, contrast, translation, cutout

        /// The transform's bit in a checkpoint's policy field.
        var bit: UInt32 { 1 << UInt32(Self.allCases.firstIndex(of: self)!) }
    }

    /// The transforms on, in the order they apply; each at most once.
    public let transforms: [Transform]

    /// No augmentation: D sees the images as they are.
    public static let off = AugmentPolicy(transforms: [])

    public init(transforms: Set<Transform>) {
        self.init(transforms: Transform.allCases.filter(transforms.contains))
    }

    private init(transforms: [Transform]) { self.transforms = transforms }

    /// Parses a `d_augment` value; whitespace around a name is ignored.
    public init(parsing text: String) throws(AugmentPolicyError) {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty, trimmed != "none" else {
            self = .off
            return
        }
        var named: Set<Transform> = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(part).trimmingWhitespace
            guard !name.isEmpty else { throw AugmentPolicyError("has an empty name in \"\(text.prefix(64))\"") }
            guard let transform = Transform(rawValue: name) else {
                throw AugmentPolicyError("names \"\(name.prefix(32))\", which is not a transform")
            }
            guard named.insert(transform).inserted else { throw AugmentPolicyError("names \(name) twice") }
        }
        self.init(transforms: named)
    }

    public var isOff: Bool { transforms.isEmpty }

    public func contains(_ transform: Transform) -> Bool { transforms.contains(transform) }

    /// The canonical list (`""` when off): what the job and its view record.
    public var description: String { transforms.map(\.rawValue).joined(separator: ",") }

    /// One bit a transform, in `Transform.allCases` order (the checkpoint's form).
    var bits: UInt32 { transforms.reduce(0) { $0 | $1.bit } }

    /// The policy of a checkpoint's bits; nil when a bit names no transform.
    init?(bits: UInt32) {
        let known = Transform.allCases.reduce(UInt32(0)) { $0 | $1.bit }
        guard bits & ~known == 0 else { return nil }
        self.init(transforms: Transform.allCases.filter { bits & $0.bit != 0 })
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        do { self = try AugmentPolicy(parsing: try c.decode(String.self)) } catch let error as AugmentPolicyError {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Why a `d_augment` value was refused; the message follows the field's name
/// ("d_augment names \"flip\", which is not a transform; …").
public struct AugmentPolicyError: Error, Sendable, CustomStringConvertible {
    public let message: String

    init(_ problem: String) {
        let names = AugmentPolicy.Transform.allCases.map(\.rawValue)
        message = "\(problem); d_augment is a comma-separated list of \(names.joined(separator: ", ")) (\"\" or \"none\": off)"
    }

    public var description: String { "d_augment \(message)" }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
