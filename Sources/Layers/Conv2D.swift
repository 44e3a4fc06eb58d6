import Linalg

/// A 2-D convolution with a square kernel, as `torch.nn.Conv2d`: weight
/// (outChannels, inChannels, k, k) stored as an outChannels × (inChannels·k²) matrix,
/// and a bias per output channel. Computed for the whole batch as im2col, then one sgemm.
public struct Conv2D: Layer {
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let geometry: ConvolutionGeometry
    public var weight: Matrix
    public var bias: Matrix

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
    }

    /// The batch's unfolded columns (taps × examples·positions): the weight gradient
    /// multiplies by them again, and unfolding costs about as much as the product's
    /// memory traffic, so they are kept rather than rebuilt.
    public typealias Cache = Matrix

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Matrix) {
        precondition(input.columns == inputShape.count, "input has \(input.columns) values an example, \(inputShape) needs \(inputShape.count)")
        let columns = geometry.im2col(batch: input, shape: inputShape)
        var product = Matrix(rows: weight.rows, columns: columns.columns)
        Matrix.multiplyInTiles(weight, columns, into: &product)
        return (ChannelMajor.scatter(product, plane: outputShape.plane, bias: bias), columns)
    }

    public func backward(_ outputGradient: Matrix, cache columns: Matrix, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let upstream = ChannelMajor.gather(outputGradient, channels: weight.rows, plane: outputShape.plane)
        var columnGradient = Matrix(rows: weight.columns, columns: upstream.columns)
        Matrix.multiplyInTiles(weight, upstream, into: &columnGradient, transposeA: .transposed)
        let inputGradient = geometry.col2im(batch: columnGradient, shape: inputShape)
        return (inputGradient, parameterGradients ? weightAndBiasGradients(upstream, columns) : [])
    }

    /// D's first layer in its own update: a conditional D's ten label planes make the
    /// input gradient's product and col2im eleven times a plain one's, for nothing.
    public func parameterGradients(_ outputGradient: Matrix, cache columns: Matrix) -> [Matrix] {
        weightAndBiasGradients(ChannelMajor.gather(outputGradient, channels: weight.rows, plane: outputShape.plane), columns)
    }

    private func weightAndBiasGradients(_ upstream: Matrix, _ columns: Matrix) -> [Matrix] {
        var weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        Matrix.multiplyInTiles(upstream, columns, into: &weightGradient, transposeB: .transposed)
        return [weightGradient, ChannelMajor.rowSums(upstream)]
    }

    public var parameters: [(name: String, value: Matrix)] { [("weight", weight), ("bias", bias)] }

    public mutating func setParameters(_ values: [Matrix]) {
        precondition(values.count == 2 && values[0].rows == weight.rows && values[0].columns == weight.columns && values[1].count == bias.count)
        weight = values[0]
        bias = values[1]
    }
}
