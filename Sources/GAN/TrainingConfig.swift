/// Every hyperparameter of a training job, with the notebook's defaults.
///
/// The JSON keys are the API's job request fields (docs/api.md); `validate()` enforces the
/// documented ranges so a bad value is refused before anything is allocated.
public struct TrainingConfig: Sendable, Equatable, Codable {
    public var epochs: Int = 100
    public var batchSize: Int = 100
    public var zSize: Int = 100
    public var gHidden: Int = 128
    public var dHidden: Int = 128
    public var alpha: Float = 0.01
    public var smooth: Float = 0.1
    public var learningRate: Float = 0.002
    public var beta1: Float = 0.9
    public var seed: UInt64 = 0
    /// The recipe the fields came from (`ModelRecipe.applied(to:)`); informational.
    public var model = ModelRecipe.notebook
    /// Share of the discriminator's hidden units dropped at each of its forward passes
    /// in training (inverted dropout, masks drawn from the seed); 0: none, as the notebook.
    public var dDropout: Float = 0
    /// Decay of the generator's exponential moving average, which samples and scores
    /// are drawn from when it is on; 0: off, samples come from the trained weights.
    public var emaDecay: Float = 0
    /// Whether both networks are given the digit's label (one-hot, next to the noise
    /// and next to the image), so samples can be asked for by digit.
    public var conditional = false
    /// The convolutional model's widths (`model: dcgan`): G's channels at 7×7 (half of
    /// them at 14×14) and D's at 14×14 (twice as many at 7×7). The MLPs ignore them.
    public var gChannels = 128
    public var dChannels = 64
    /// The differentiable augmentation of every image the convolutional D sees
    /// (`DifferentiableAugment`); off by default, and refused for the MLPs.
    public var dAugment = AugmentPolicy.off

    /// MNIST's image side; the model is fixed to 28x28 like the notebook's.
    public static let imagePixels = 784

    public init() {}

    /// Digit classes a conditional model is given.
    public static let labelCount = 10

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize = "batch_size", zSize = "z_size", gHidden = "g_hidden", dHidden = "d_hidden"
        case alpha, smooth, learningRate = "learning_rate", beta1, seed
        case model, dDropout = "d_dropout", emaDecay = "ema_decay", conditional
        case gChannels = "g_channels", dChannels = "d_channels", dAugment = "d_augment"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        zSize = try c.decode(Int.self, forKey: .zSize)
        gHidden = try c.decode(Int.self, forKey: .gHidden)
        dHidden = try c.decode(Int.self, forKey: .dHidden)
        alpha = try c.decode(Float.self, forKey: .alpha)
        smooth = try c.decode(Float.self, forKey: .smooth)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        beta1 = try c.decode(Float.self, forKey: .beta1)
        seed = try c.decode(UInt64.self, forKey: .seed)
        // Jobs stored before these fields existed trained the notebook's model.
        model = try c.decodeIfPresent(ModelRecipe.self, forKey: .model) ?? .notebook
        dDropout = try c.decodeIfPresent(Float.self, forKey: .dDropout) ?? 0
        emaDecay = try c.decodeIfPresent(Float.self, forKey: .emaDecay) ?? 0
        conditional = try c.decodeIfPresent(Bool.self, forKey: .conditional) ?? false
        gChannels = try c.decodeIfPresent(Int.self, forKey: .gChannels) ?? 128
        dChannels = try c.decodeIfPresent(Int.self, forKey: .dChannels) ?? 64
        dAugment = try c.decodeIfPresent(AugmentPolicy.self, forKey: .dAugment) ?? .off
    }

    /// The convolutional widths are written only for the convolutional model, so an
    /// MLP job's stored form (and its idempotency key) is what it was before they existed;
    /// the augmentation only when it is on, so a dcgan job's without it is too.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(zSize, forKey: .zSize)
        try c.encode(gHidden, forKey: .gHidden)
        try c.encode(dHidden, forKey: .dHidden)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(smooth, forKey: .smooth)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(beta1, forKey: .beta1)
        try c.encode(seed, forKey: .seed)
        try c.encode(model, forKey: .model)
        try c.encode(dDropout, forKey: .dDropout)
        try c.encode(emaDecay, forKey: .emaDecay)
        try c.encode(conditional, forKey: .conditional)
        if model.isConvolutional {
            try c.encode(gChannels, forKey: .gChannels)
            try c.encode(dChannels, forKey: .dChannels)
        }
        if !dAugment.isOff { try c.encode(dAugment, forKey: .dAugment) }
    }

    /// Inputs of the generator's first layer: the noise, and the one-hot label when conditional.
    public var generatorInputs: Int { zSize + (conditional ? Self.labelCount : 0) }
    /// Inputs of the discriminator's first layer: the image, and the one-hot label when conditional.
    public var discriminatorInputs: Int { Self.imagePixels + (conditional ? Self.labelCount : 0) }

    /// The documented range of each field, in one place so errors and docs/api.md agree.
    public static let ranges: [(field: String, range: String)] = [
        ("epochs", "1–10000"), ("batch_size", "1–10000"), ("z_size", "1–1024"),
        ("g_hidden", "1–4096"), ("d_hidden", "1–4096"), ("alpha", "0 ≤ alpha < 1"),
        ("smooth", "0 ≤ smooth < 0.5"), ("learning_rate", "0 < learning_rate ≤ 1"),
        ("beta1", "0 ≤ beta1 < 1"), ("d_dropout", "0 ≤ d_dropout ≤ 0.9"), ("ema_decay", "0 (off) ≤ ema_decay < 1"),
        ("g_channels", "even, 2–512 (dcgan)"), ("d_channels", "1–512 (dcgan)"),
        ("d_augment", "comma-separated translation, cutout, brightness, contrast; \"\" or \"none\" is off (dcgan)"),
    ]

    /// The float fields' ranges, by their request names.
    public static let floatRanges: [String: FloatInterval] = [
        "alpha": FloatInterval(0, included: true, 1, included: false),
        "smooth": FloatInterval(0, included: true, 0.5, included: false),
        "learning_rate": FloatInterval(0, included: false, 1, included: true),
        "beta1": FloatInterval(0, included: true, 1, included: false),
        "d_dropout": FloatInterval(0, included: true, 0.9, included: true),
        "ema_decay": FloatInterval(0, included: true, 1, included: false),
    ]

    /// Throws `TrainingConfigError` naming the first field out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ message: String) throws {
            if !ok { throw TrainingConfigError(field: field, message: message) }
        }
        try check((1...10_000).contains(epochs), "epochs", "epochs must be between 1 and 10000")
        try check((1...10_000).contains(batchSize), "batch_size", "batch_size must be between 1 and 10000")
        try check((1...1024).contains(zSize), "z_size", "z_size must be between 1 and 1024")
        try check((1...4096).contains(gHidden), "g_hidden", "g_hidden must be between 1 and 4096")
        try check((1...4096).contains(dHidden), "d_hidden", "d_hidden must be between 1 and 4096")
        let ranges = Self.floatRanges
        try check(ranges["alpha"]!.contains(alpha), "alpha", "alpha must be at least 0 and below 1")
        try check(ranges["smooth"]!.contains(smooth), "smooth", "smooth must be at least 0 and below 0.5")
        try check(ranges["learning_rate"]!.contains(learningRate), "learning_rate", "learning_rate must be above 0 and at most 1")
        try check(ranges["beta1"]!.contains(beta1), "beta1", "beta1 must be at least 0 and below 1")
        try check(ranges["d_dropout"]!.contains(dDropout), "d_dropout", "d_dropout must be between 0 and 0.9")
        try check(ranges["ema_decay"]!.contains(emaDecay), "ema_decay", "ema_decay must be at least 0 (off) and below 1")
        try check((2...512).contains(gChannels) && gChannels % 2 == 0, "g_channels", "g_channels must be an even number between 2 and 512")
        try check((1...512).contains(dChannels), "d_channels", "d_channels must be between 1 and 512")
        try check(model.isConvolutional || dAugment.isOff, "d_augment",
                  "d_augment augments the dcgan model's discriminator inputs; the notebook and improved models take none")
        // A width the model does not have is refused rather than silently ignored.
        let mlp = TrainingConfig()
        try check(model.isConvolutional || (gChannels == mlp.gChannels && dChannels == mlp.dChannels), "g_channels",
                  "g_channels and d_channels are the dcgan model's widths; the notebook and improved models take g_hidden and d_hidden")
        try check(!model.isConvolutional || (gHidden == mlp.gHidden && dHidden == mlp.dHidden), "g_hidden",
                  "g_hidden and d_hidden are the notebook and improved models' widths; the dcgan model takes g_channels and d_channels")
    }

    /// Weights and biases of the generator (one copy; the averaged generator is another).
    public var generatorParameters: Int {
        if model.isConvolutional { return DCGANArchitecture(self).generatorParameters }
        return generatorInputs * gHidden + gHidden + gHidden * Self.imagePixels + Self.imagePixels
    }
    /// Weights and biases of the discriminator.
    public var discriminatorParameters: Int {
        if model.isConvolutional { return DCGANArchitecture(self).discriminatorParameters }
        return discriminatorInputs * dHidden + dHidden + dHidden + 1
    }
    /// Values that are state but not trained (BatchNorm's running statistics) in G and
    /// in D; the MLPs have none.
    public var generatorBuffers: Int { model.isConvolutional ? DCGANArchitecture(self).generatorBuffers : 0 }
    public var discriminatorBuffers: Int { model.isConvolutional ? DCGANArchitecture(self).discriminatorBuffers : 0 }

    /// Bytes of the two networks' weights, gradients and Adam moments (and the averaged generator).
    public var parameterBytes: Int {
        let g = generatorParameters, d = discriminatorParameters
        return 4 * (4 * (g + d) + (emaDecay > 0 ? g : 0))
    }

    /// Bytes of one step's layer activations, counted once each: for the convolutional
    /// model, G's pass and D's three (the real and generated batches, then the generated
    /// one again for G's update), and with augmentation the three augmented batches.
    public var activationBytes: Int {
        if model.isConvolutional {
            let architecture = DCGANArchitecture(self)
            let augmented = dAugment.isOff ? 0 : 3 * Self.imagePixels
            return 4 * batchSize * (architecture.generatorActivationsPerExample + 3 * architecture.discriminatorActivationsPerExample + augmented)
        }
        let p = Self.imagePixels
        return 4 * (batchSize * (zSize + 3 * gHidden + 4 * p + 6 * dHidden + 8) + 2 * batchSize * p)
    }
}

public struct TrainingConfigError: Error, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String
    public var description: String { message }
}
