import ArgumentParser
import GAN
import Linalg

/// The model's hyperparameters as flags, shared by `train` and `bench`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model recipe: notebook (the notebook's model), improved (β1 0.5, 256 hidden units, D dropout 0.3, averaged generator) or dcgan (the convolutional GAN: Adam 2e-4, β1 0.5, leaky ReLU 0.2, averaged generator); the flags below override its fields.")
    var model: ModelRecipe = .notebook
    @Option(help: "Images per batch.") var batchSize: Int = TrainingConfig().batchSize
    @Option(help: "Adam learning rate of both networks (default: the recipe's; notebook 0.002).") var learningRate: Float?
    @Option(help: "Adam beta1 of both networks (default: the recipe's; notebook 0.9).") var beta1: Float?
    @Option(help: "Length of the generator's noise vector.") var zSize: Int = TrainingConfig().zSize
    @Option(help: "Generator hidden units (default: the recipe's; notebook 128).") var gHidden: Int?
    @Option(help: "Discriminator hidden units (default: the recipe's; notebook 128).") var dHidden: Int?
    @Option(help: "Share of the discriminator's hidden units dropped in training, 0–0.9 (default: the recipe's; notebook 0).") var dDropout: Float?
    @Option(help: "Decay of the generator's moving average that samples come from; 0 is off (default: the recipe's; notebook 0).") var emaDecay: Float?
    @Flag(help: "Give both networks the digit's label, so samples can be asked for by digit.") var conditional = false
    @Option(help: "dcgan: the generator's channels at 7×7, even (half of them at 14×14).") var gChannels: Int = TrainingConfig().gChannels
    @Option(help: "dcgan: the discriminator's channels at 14×14 (twice as many at 7×7).") var dChannels: Int = TrainingConfig().dChannels
    @Option(help: ArgumentHelp("dcgan: differentiable augmentation of every image D sees, a comma-separated list of translation, cutout, brightness, contrast; none is off (default: none).", valueName: "policy"))
    var dAugment: String?
    @Option(help: "Leaky ReLU slope (default: the recipe's; notebook 0.01).") var alpha: Float?
    @Option(help: "One-sided label smoothing of the real labels (default: the recipe's; notebook 0.1).") var smooth: Float?
    @Option(help: "Random seed (random when absent; always printed).") var seed: UInt64?

    func config(epochs: Int) throws -> TrainingConfig {
        var c = model.applied(to: TrainingConfig())
        c.epochs = epochs
        c.batchSize = batchSize
        c.zSize = zSize
        c.gChannels = gChannels
        c.dChannels = dChannels
        if let learningRate { c.learningRate = learningRate }
        if let alpha { c.alpha = alpha }
        if let smooth { c.smooth = smooth }
        if let beta1 { c.beta1 = beta1 }
        if let gHidden { c.gHidden = gHidden }
        if let dHidden { c.dHidden = dHidden }
        if let dDropout { c.dDropout = dDropout }
        if let emaDecay { c.emaDecay = emaDecay }
        if let dAugment {
            do { c.dAugment = try AugmentPolicy(parsing: dAugment) } catch { throw ValidationError("\(error)") }
        }
        c.conditional = conditional
        c.seed = seed ?? UInt64.random(in: 1...UInt64(Int64.max))
        do { try c.validate() } catch { throw ValidationError("\(error)") }
        return c
    }
}

/// How many lanes a training step is split across: `auto` (the default) times steps
/// on one lane and on one per core and keeps the faster, because on a shared 2-core
/// VM which one wins changes from minute to minute (docs/benchmarks.md).
struct BLASOptions: ParsableArguments {
    // The flag keeps its first name, --blas-threads.
    @Option(name: .customLong("blas-threads"), help: "Lanes (threads) each training step is split across: auto, or 1–64. Every count trains the same bits.")
    var lanes: LaneCountSetting = .auto
    @Option(help: "OpenBLAS kernels: auto (the best this CPU runs when OpenBLAS picked a lesser one; a set OPENBLAS_CORETYPE wins), or a core name such as Haswell, SkylakeX, Cooperlake.")
    var blasCore: BLASCoreChoice.Setting = .auto
}

extension BLASCoreChoice.Setting: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}

extension ModelRecipe: ExpressibleByArgument {}

extension LaneCountSetting: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}
