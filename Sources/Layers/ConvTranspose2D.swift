import Linalg

/// A 2-D transposed convolution with a square kernel, as `torch.nn.ConvTranspose2d`
/// (no output padding, no groups): weight (inChannels, outChannels, k, k) stored as an
/// inChannels × (outChannels·k²) matrix, and a bias per output channel. Its forward
/// pass is a convolution's input gradient: the channels-last batch times the
/// channels-last weights, then the patches folded onto the output.
public struct ConvTranspose2D: Layer {
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let geometry: ConvolutionGeometry
    /// PyTorch's layout, (outChannel, ky, kx) columns: what is saved, named and trained.
    public var weight: Matrix { didSet { tapWeight = Self.tapWeight(weight, geometry) } }
    public var bias: Matrix
    /// `weight` with (ky, kx, outChannel) columns, the patches' order.
    private var tapWeight: Matrix

    /// Weights drawn as PyTorch's default: uniform in ±1/√fanIn, where PyTorch takes the
    /// fan-in from weight dimension 1, outChannels · k².
    public init(input: TensorShape, outChannels: Int, geometry: ConvolutionGeometry, rng: inout Xoshiro256StarStar) {
        let taps = outChannels * geometry.kernel * geometry.kernel
        let bound = 1 / Float(taps).squareRoot()
        let weight = Matrix(rows: input.channels, columns: taps,
                            storage: (0..<(input.channels * taps)).map { _ in bound * rng.nextSymmetricUniform() })
        let bias = Matrix(rows: 1, columns: outChannels, storage: (0..<outChannels).map { _ in bound * rng.nextSymmetricUniform() })
        self.init(input: input, geometry: geometry, weight: weight, bias: bias)
    }

    public init(input: TensorShape, geometry: ConvolutionGeometry, weight: Matrix, bias: Matrix) {
        let k2 = geometry.kernel * geometry.kernel
        precondition(weight.rows == input.channels && weight.columns % k2 == 0, "weight is \(weight.rows)×\(weight.columns) for \(input)")
        precondition(bias.count == weight.columns / k2, "one bias per output channel")
        inputShape = input
        outputShape = TensorShape(channels: weight.columns / k2, height: geometry.transposedSide(input.height),
                                  width: geometry.transposedSide(input.width))
        precondition(geometry.convolvedSide(outputShape.height) == input.height && geometry.convolvedSide(outputShape.width) == input.width,
                     "the output \(outputShape) does not convolve back to \(input)")
        self.geometry = geometry
        self.weight = weight
        self.bias = bias
        tapWeight = Self.tapWeight(weight, geometry)
    }

    private static func tapWeight(_ weight: Matrix, _ geometry: ConvolutionGeometry) -> Matrix {
        let taps = geometry.kernel * geometry.kernel
        return KernelLayout.channelsLast(weight, channels: weight.columns / taps, taps: taps)
    }

    /// The input: the weight gradient multiplies the output gradient's patches by it.
    public typealias Cache = Matrix

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Matrix) {
        precondition(input.columns == inputShape.count, "input has \(input.columns) values an example, \(inputShape) needs \(inputShape.count)")
        let patches = Matrix.productInTiles(ChannelsLast.positions(input, channels: inputShape.channels), tapWeight)
        var output = geometry.foldPatches(patches, shape: outputShape)
        ChannelsLast.addBias(bias, to: &output)
        return (output, input)
    }

    public func backward(_ outputGradient: Matrix, cache input: Matrix, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let patches = geometry.patches(batch: outputGradient, shape: outputShape)
        let positionGradient = Matrix.productInTiles(patches, tapWeight, transposeB: .transposed)
        let inputGradient = ChannelsLast.examples(positionGradient, examples: outputGradient.rows)
        guard parameterGradients else { return (inputGradient, []) }
        let taps = geometry.kernel * geometry.kernel
        let tapGradient = Matrix.productInTiles(ChannelsLast.positions(input, channels: inputShape.channels), patches, transposeA: .transposed)
        let weightGradient = KernelLayout.channelsFirst(tapGradient, channels: outputShape.channels, taps: taps)
        return (inputGradient, [weightGradient, ChannelsLast.channelSums(outputGradient, channels: outputShape.channels)])
    }

    public var parameters: [(name: String, value: Matrix)] { [("weight", weight), ("bias", bias)] }
    public var torchModule: TorchModule { .convTranspose2d(inChannels: inputShape.channels, outChannels: outputShape.channels, geometry: geometry) }

    public mutating func setParameters(_ values: [Matrix]) {
        precondition(values.count == 2 && values[0].rows == weight.rows && values[0].columns == weight.columns && values[1].count == bias.count)
        weight = values[0]
        bias = values[1]
    }
}
