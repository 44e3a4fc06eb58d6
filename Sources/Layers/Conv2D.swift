import Linalg

/// A 2-D convolution with a square kernel, as `torch.nn.Conv2d`: weight
/// (outChannels, inChannels, k, k) stored as an outChannels × (inChannels·k²) matrix,
/// and a bias per output channel. Computed for the whole channels-last batch as one
/// patch matrix times the channels-last weights.
public struct Conv2D: Layer {
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let geometry: ConvolutionGeometry
    /// PyTorch's layout, (channel, ky, kx) columns: what is saved, named and trained.
    public var weight: Matrix { didSet { tapWeight = Self.tapWeight(weight, inputShape, geometry) } }
    public var bias: Matrix
    /// `weight` with (ky, kx, channel) columns, the patches' order.
    private var tapWeight: Matrix

    /// Weights drawn as PyTorch's default (Kaiming uniform with a = √5, which is
    /// uniform in ±1/√fanIn, the bias too) from `rng`.
    public init(input: TensorShape, outChannels: Int, geometry: ConvolutionGeometry, rng: inout Xoshiro256StarStar) {
        let fanIn = input.channels * geometry.kernel * geometry.kernel
        let bound = 1 / Float(fanIn).squareRoot()
        let weight = Matrix(rows: outChannels, columns: fanIn,
                            storage: (0..<(outChannels * fanIn)).map { _ in bound * rng.nextSymmetricUniform() })
        let bias = Matrix(rows: 1, columns: outChannels, storage: (0..<outChannels).map { _ in bound * rng.nextSymmetricUniform() })
        self.init(input: input, geometry: geometry, weight: weight, bias: bias)
    }

    public init(input: TensorShape, geometry: ConvolutionGeometry, weight: Matrix, bias: Matrix) {
        precondition(weight.columns == input.channels * geometry.kernel * geometry.kernel, "weight is \(weight.rows)×\(weight.columns) for \(input)")
        precondition(bias.count == weight.rows, "one bias per output channel")
        inputShape = input
        outputShape = TensorShape(channels: weight.rows, height: geometry.convolvedSide(input.height), width: geometry.convolvedSide(input.width))
        self.geometry = geometry
        self.weight = weight
        self.bias = bias
        tapWeight = Self.tapWeight(weight, input, geometry)
    }

    private static func tapWeight(_ weight: Matrix, _ input: TensorShape, _ geometry: ConvolutionGeometry) -> Matrix {
        KernelLayout.channelsLast(weight, channels: input.channels, taps: geometry.kernel * geometry.kernel)
    }

    /// The batch's patches (examples·positions × taps): the weight gradient multiplies
    /// by them again, and building them costs about as much as the product's memory
    /// traffic, so they are kept rather than rebuilt.
    public typealias Cache = Matrix

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Matrix) {
        precondition(input.columns == inputShape.count, "input has \(input.columns) values an example, \(inputShape) needs \(inputShape.count)")
        let patches = geometry.patches(batch: input, shape: inputShape)
        var output = ChannelsLast.examples(Matrix.productInTiles(patches, tapWeight, transposeB: .transposed), examples: input.rows)
        ChannelsLast.addBias(bias, to: &output)
        return (output, patches)
    }

    public func backward(_ outputGradient: Matrix, cache patches: Matrix, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let upstream = ChannelsLast.positions(outputGradient, channels: weight.rows)
        let patchGradient = Matrix.productInTiles(upstream, tapWeight)
        let inputGradient = geometry.foldPatches(patchGradient, shape: inputShape)
        return (inputGradient, parameterGradients ? weightAndBiasGradients(upstream, patches) : [])
    }

    /// D's first layer in its own update: its input is images, whose gradient nobody
    /// uses, so the product and the fold for it are skipped.
    public func parameterGradients(_ outputGradient: Matrix, cache patches: Matrix) -> [Matrix] {
        weightAndBiasGradients(ChannelsLast.positions(outputGradient, channels: weight.rows), patches)
    }

    private func weightAndBiasGradients(_ upstream: Matrix, _ patches: Matrix) -> [Matrix] {
        let tapGradient = Matrix.productInTiles(upstream, patches, transposeA: .transposed)
        let weightGradient = KernelLayout.channelsFirst(tapGradient, channels: inputShape.channels, taps: geometry.kernel * geometry.kernel)
        return [weightGradient, ChannelsLast.channelSums(upstream, channels: weight.rows)]
    }

    public var parameters: [(name: String, value: Matrix)] { [("weight", weight), ("bias", bias)] }
    public var torchModule: TorchModule { .conv2d(inChannels: inputShape.channels, outChannels: outputShape.channels, geometry: geometry) }

    public mutating func setParameters(_ values: [Matrix]) {
        precondition(values.count == 2 && values[0].rows == weight.rows && values[0].columns == weight.columns && values[1].count == bias.count)
        weight = values[0]
        bias = values[1]
    }
}
