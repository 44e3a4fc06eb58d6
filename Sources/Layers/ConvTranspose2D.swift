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

    /// The input: the weight gradient unfolds the output gradient and multiplies it by it.
    public typealias Cache = Matrix

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Matrix) {
        precondition(input.columns == inputShape.count, "input has \(input.columns) values an example, \(inputShape) needs \(inputShape.count)")
        let positions = inputShape.plane, taps = weight.columns, out = outputShape
        var output = Matrix(rows: input.rows, columns: out.count)
        var columns = Matrix(rows: taps, columns: positions)
        for n in 0..<input.rows {
            let example = Matrix(rows: inputShape.channels, columns: positions,
                                 storage: Array(input.storage[(n * inputShape.count)..<((n + 1) * inputShape.count)]))
            Matrix.multiply(weight, example, into: &columns, transposeA: .transposed)
            output.storage.withUnsafeMutableBufferPointer { o in
                columns.storage.withUnsafeBufferPointer { c in
                    let base = o.baseAddress! + n * out.count
                    geometry.col2im(c.baseAddress!, channels: out.channels, height: out.height, width: out.width, into: base)
                    for ch in 0..<out.channels {
                        let b = bias.storage[ch]
                        for i in 0..<out.plane { base[ch * out.plane + i] += b }
                    }
                }
            }
        }
        return (output, input)
    }

    public func backward(_ outputGradient: Matrix, cache input: Matrix, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let positions = inputShape.plane, taps = weight.columns, out = outputShape
        var inputGradient = Matrix(rows: input.rows, columns: inputShape.count)
        var weightGradient = Matrix(rows: weight.rows, columns: taps)
        var biasGradient = Matrix(rows: 1, columns: out.channels)
        var columns = Matrix(rows: taps, columns: positions)
        var exampleGradient = Matrix(rows: inputShape.channels, columns: positions)
        for n in 0..<input.rows {
            outputGradient.storage.withUnsafeBufferPointer { g in
                columns.storage.withUnsafeMutableBufferPointer { c in
                    geometry.im2col(g.baseAddress! + n * out.count, channels: out.channels, height: out.height, width: out.width,
                                    into: c.baseAddress!)
                }
                if parameterGradients {
                    for ch in 0..<out.channels {
                        var sum: Float = 0
                        for i in 0..<out.plane { sum += g[n * out.count + ch * out.plane + i] }
                        biasGradient.storage[ch] += sum
                    }
                }
            }
            Matrix.multiply(weight, columns, into: &exampleGradient)
            inputGradient.storage.replaceSubrange((n * inputShape.count)..<((n + 1) * inputShape.count), with: exampleGradient.storage)
            if parameterGradients {
                let example = Matrix(rows: inputShape.channels, columns: positions,
                                     storage: Array(input.storage[(n * inputShape.count)..<((n + 1) * inputShape.count)]))
                Matrix.multiply(example, columns, into: &weightGradient, transposeB: .transposed, beta: 1)
            }
        }
        return (inputGradient, parameterGradients ? [weightGradient, biasGradient] : [])
    }

    public var parameters: [(name: String, value: Matrix)] { [("weight", weight), ("bias", bias)] }

    public mutating func setParameters(_ values: [Matrix]) {
        precondition(values.count == 2 && values[0].rows == weight.rows && values[0].columns == weight.columns && values[1].count == bias.count)
        weight = values[0]
        bias = values[1]
    }
}
