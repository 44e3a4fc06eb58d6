import Layers
import Linalg

/// The DCGAN for 28×28 digits (Radford et al. 2015's guidelines: strided convolutions
/// and no pooling, BatchNorm in both networks except D's input and G's output, ReLU in
/// G, leaky ReLU in D), written as the layers of two `nn.Sequential`s:
///
///     G: Linear(z[+10], c·7·7), Unflatten(c, 7, 7), BatchNorm2d(c), ReLU,
///        ConvTranspose2d(c, c/2, 4, 2, 1), BatchNorm2d(c/2), ReLU,
///        ConvTranspose2d(c/2, 1, 4, 2, 1), Tanh
///     D: Conv2d(1[+10], d, 4, 2, 1), LeakyReLU(slope),
///        Conv2d(d, 2d, 4, 2, 1), BatchNorm2d(2d), LeakyReLU(slope),
///        Flatten, Linear(2d·7·7, 1)
///
/// With `dropout` above 0, D has a Dropout(p) after each leaky ReLU (as TensorFlow's
/// DCGAN tutorial puts it), so its later layers move to later positions in the
/// `state_dict`, as they would in PyTorch.
///
/// A conditional model gives G the digit's one-hot beside the noise and D ten more
/// input planes, the one-hot's entry broadcast over the image (constant planes).
public struct DCGANArchitecture: Sendable, Equatable {
    public var zSize: Int
    /// G's channels at 7×7; it has half of them at 14×14.
    public var generatorChannels: Int
    /// D's channels at 14×14; it has twice as many at 7×7.
    public var discriminatorChannels: Int
    /// Leaky ReLU's slope below zero in D.
    public var slope: Float
    public var labelCount: Int
    /// The share of D's units dropped after each leaky ReLU in training; 0 is no dropout layer.
    public var dropout: Float

    public static let kernel = ConvolutionGeometry(kernel: 4, stride: 2, padding: 1)
    static let image = TensorShape(channels: 1, height: 28, width: 28)

    public init(zSize: Int, generatorChannels: Int, discriminatorChannels: Int, slope: Float, labelCount: Int, dropout: Float = 0) {
        precondition(generatorChannels >= 2 && generatorChannels % 2 == 0, "g_channels must be even")
        self.zSize = zSize
        self.generatorChannels = generatorChannels
        self.discriminatorChannels = discriminatorChannels
        self.slope = slope
        self.labelCount = labelCount
        self.dropout = dropout
    }

    /// `config`'s widths (DCGAN's 128 and 64 by default), noise size, leaky slope and conditioning.
    public init(_ config: TrainingConfig) {
        self.init(zSize: config.zSize, generatorChannels: config.gChannels, discriminatorChannels: config.dChannels,
                  slope: config.alpha, labelCount: config.conditional ? TrainingConfig.labelCount : 0,
                  dropout: config.dDropout)
    }

    /// Values in one row of D's input: the image and, when conditional, its label's one-hot.
    public var discriminatorInputs: Int { Self.image.plane + labelCount }

    public func makeGenerator(rng: inout Xoshiro256StarStar) -> Sequential {
        let c = generatorChannels
        let seed = TensorShape(channels: c, height: 7, width: 7)
        let linear = Linear(inputs: zSize + labelCount, outputs: seed.count, rng: &rng)
        let up1 = ConvTranspose2D(input: seed, outChannels: c / 2, geometry: Self.kernel, rng: &rng)
        let up2 = ConvTranspose2D(input: up1.outputShape, outChannels: 1, geometry: Self.kernel, rng: &rng)
        return Sequential([
            AnyLayer(linear), AnyLayer(Reshape(from: linear.outputShape, to: seed)),
            AnyLayer(BatchNorm(shape: seed)), AnyLayer(Layers.Activation(.relu, shape: seed)),
            AnyLayer(up1), AnyLayer(BatchNorm(shape: up1.outputShape)), AnyLayer(Layers.Activation(.relu, shape: up1.outputShape)),
            AnyLayer(up2), AnyLayer(Layers.Activation(.tanh, shape: up2.outputShape)),
        ])
    }

    public func makeDiscriminator(rng: inout Xoshiro256StarStar) -> Sequential {
        let d = discriminatorChannels
        // A conditional D's label planes are folded into its first layer (LabelledConv2D):
        // the same Conv2d, the same initial weights, without unfolding constant planes.
        let down1 = labelCount > 0
            ? AnyLayer(LabelledConv2D(image: Self.image, labels: labelCount, outChannels: d, geometry: Self.kernel, rng: &rng))
            : AnyLayer(Conv2D(input: Self.image, outChannels: d, geometry: Self.kernel, rng: &rng))
        let down2 = Conv2D(input: down1.outputShape, outChannels: 2 * d, geometry: Self.kernel, rng: &rng)
        let flat = TensorShape.vector(down2.outputShape.count)
        let logit = Linear(inputs: flat.count, outputs: 1, rng: &rng)
        func rectified(_ shape: TensorShape) -> [AnyLayer] {
            let leaky = AnyLayer(Layers.Activation(.leakyReLU(slope: slope), shape: shape))
            return dropout > 0 ? [leaky, AnyLayer(Dropout(rate: dropout, shape: shape))] : [leaky]
        }
        return Sequential(
            [down1] + rectified(down1.outputShape)
            + [AnyLayer(down2), AnyLayer(BatchNorm(shape: down2.outputShape))] + rectified(down2.outputShape)
            + [AnyLayer(Reshape(from: down2.outputShape, to: flat)), AnyLayer(logit)])
    }

    /// Multiply-adds of one example through G forward, by layer kind (for FLOP counts).
    var generatorForwardMACs: Int {
        let c = generatorChannels
        return (zSize + labelCount) * c * 49 + c * (c / 2) * 16 * 49 + (c / 2) * 16 * 196
    }

    /// Multiply-adds of one example through each network's first layer: the input
    /// gradient a step does not compute (its input is noise, or images).
    var generatorFirstLayerMACs: Int { (zSize + labelCount) * generatorChannels * 49 }
    var discriminatorFirstLayerMACs: Int { discriminatorChannels * 16 * 196 }

    /// Multiply-adds of one example through D forward.
    var discriminatorForwardMACs: Int {
        let d = discriminatorChannels
        // The label planes' share of the first layer is a per-class map added, not a product.
        return d * 16 * 196 + 2 * d * d * 16 * 49 + 2 * d * 49
    }

    /// Trainable values of G and of D.
    public var generatorParameters: Int {
        let c = generatorChannels
        return (zSize + labelCount + 1) * c * 49 + 2 * c + c * (c / 2) * 16 + c / 2 + c + (c / 2) * 16 + 1
    }

    public var discriminatorParameters: Int {
        let d = discriminatorChannels
        return (1 + labelCount) * 16 * d + d + d * 2 * d * 16 + 2 * d + 4 * d + 2 * d * 49 + 1
    }

    /// BatchNorm's running statistics (mean and variance a channel): G's at 7×7 and
    /// 14×14, D's at 7×7. Checkpoints hold them; Adam does not.
    public var generatorBuffers: Int { 2 * (generatorChannels + generatorChannels / 2) }
    public var discriminatorBuffers: Int { 2 * 2 * discriminatorChannels }

    /// Values one example leaves in G's forward pass: each layer's output, what the
    /// layers keep for backward (BatchNorm's normalised input) and the patches a
    /// transposed convolution folds. It still counts a copy of the 7×7 input that the
    /// transposed convolution kept before activations were channels-last (it now keeps
    /// the input itself): a slight overcount, kept so the estimate stays the one fitted
    /// to measured peak memory (docs/benchmarks-dcgan.md).
    var generatorActivationsPerExample: Int {
        let c = generatorChannels
        return 5 * c * 49 + 5 * (c / 2) * 196 + (c / 2) * 16 * 49 + 3 * Self.image.plane
    }

    /// The same for one of D's passes: the unfolded columns each convolution keeps, the
    /// outputs, BatchNorm's and the rectifiers' kept values.
    var discriminatorActivationsPerExample: Int {
        let d = discriminatorChannels
        // Dropout keeps no mask (its key rebuilds it) but writes a new output a layer.
        let dropped = dropout > 0 ? d * 196 + 2 * d * 49 : 0
        return 16 * 196 + labelCount + 2 * d * 196 + d * 16 * 49 + 4 * 2 * d * 49 + dropped
    }
}
