import Linalg

/// A 2-D transposed convolution with a square kernel, as `torch.nn.ConvTranspose2d`
/// (no output padding, no groups): weight (inChannels, outChannels, k, k) stored as an
/// inChannels × (outChannels·k²) matrix, and a bias per output channel. Its forward
/// pass is a convolution's input gradient: one sgemm (weightᵀ · x), then col2im.
public struct ConvTranspose2D: Layer {
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let geometry: ConvolutionGeometry
    public var weight: Matrix
    public var bias: Matrix

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
    }

    /// The input regrouped by channel (inChannels × examples·positions): the weight
    /// gradient multiplies the unfolded output gradient by it.
    public typealias Cache = Matrix

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Matrix) {
        precondition(input.columns == inputShape.count, "input has \(input.columns) values an example, \(inputShape) needs \(inputShape.count)")
        let grouped = ChannelMajor.gather(input, channels: inputShape.channels, plane: inputShape.plane)
        var columns = Matrix(rows: weight.columns, columns: grouped.columns)
        Matrix.multiplyInTiles(weight, grouped, into: &columns, transposeA: .transposed)
        var output = geometry.col2im(batch: columns, shape: outputShape)
        let plane = outputShape.plane
        output.storage.withUnsafeMutableBufferPointer { o in
            for e in 0..<input.rows {
                for c in 0..<outputShape.channels {
                    let b = bias.storage[c], line = o.baseAddress! + e * outputShape.count + c * plane
                    for i in 0..<plane { line[i] += b }
                }
            }
        }
        return (output, grouped)
    }

    public func backward(_ outputGradient: Matrix, cache grouped: Matrix, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let columns = geometry.im2col(batch: outputGradient, shape: outputShape)
        var groupedGradient = Matrix(rows: weight.rows, columns: columns.columns)
        Matrix.multiplyInTiles(weight, columns, into: &groupedGradient)
        let inputGradient = ChannelMajor.scatter(groupedGradient, plane: inputShape.plane)
        guard parameterGradients else { return (inputGradient, []) }
        var weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        Matrix.multiplyInTiles(grouped, columns, into: &weightGradient, transposeB: .transposed)
        let biasGradient = ChannelMajor.channelSums(outputGradient, channels: outputShape.channels, plane: outputShape.plane)
        return (inputGradient, [weightGradient, biasGradient])
    }

    public var parameters: [(name: String, value: Matrix)] { [("weight", weight), ("bias", bias)] }

    public mutating func setParameters(_ values: [Matrix]) {
        precondition(values.count == 2 && values[0].rows == weight.rows && values[0].columns == weight.columns && values[1].count == bias.count)
        weight = values[0]
        bias = values[1]
    }
}
