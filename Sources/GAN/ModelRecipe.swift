/// A named set of defaults for a job's model fields. `notebook` is the notebook's
/// model exactly; `improved` changes what measurably gives better digits at the same
/// cost (docs/models.md); `dcgan` is the convolutional GAN (`DCGANArchitecture`) with
/// Radford et al.'s optimiser settings. A request's own fields win over its recipe's.
public enum ModelRecipe: String, Sendable, Codable, CaseIterable {
    case notebook, improved, dcgan

    /// Whether the recipe's networks are convolutional (`DCGANTrainer`) rather than the
    /// one-hidden-layer MLPs (`GANTrainer`).
    public var isConvolutional: Bool { self == .dcgan }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let recipe = ModelRecipe(rawValue: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = recipe
    }

    /// `config` with this recipe's fields set (the others untouched).
    public func applied(to config: TrainingConfig) -> TrainingConfig {
        var c = config
        c.model = self
        switch self {
        case .notebook:
            let notebook = TrainingConfig()
            c.beta1 = notebook.beta1
            c.gHidden = notebook.gHidden
            c.dHidden = notebook.dHidden
            c.dDropout = notebook.dDropout
            c.emaDecay = notebook.emaDecay
        case .improved:
            c.beta1 = 0.5
            c.gHidden = 256
            c.dHidden = 256
            c.dDropout = 0.3
            c.emaDecay = 0.999
        case .dcgan:
            // Radford et al.: Adam 2e-4, β1 0.5, leaky ReLU 0.2; the averaged generator is
            // what the improved recipe measured to help (docs/models.md).
            c.learningRate = 2e-4
            c.beta1 = 0.5
            c.alpha = 0.2
            c.smooth = 0
            c.dDropout = 0
            c.emaDecay = 0.999
        }
        return c
    }
}
