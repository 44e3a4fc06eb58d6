import Linalg

/// A 2-D convolution with a square kernel, as `torch.nn.Conv2d`: weight
/// (outChannels, inChannels, k, k) stored as an outChannels × (inChannels·k²) matrix,
/// and a bias per output channel. Computed per example as im2col, then one sgemm.
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

    /// The input itself: backward unfolds it again rather than keeping every example's
    /// columns (k² times the input's size).
    public typealias Cache = Matrix

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Matrix) {
        precondition(input.columns == inputShape.count, "input has \(input.columns) values an example, \(inputShape) needs \(inputShape.count)")
        let positions = outputShape.plane, taps = weight.columns
        var output = Matrix(rows: input.rows, columns: outputShape.count)
        var columns = Matrix(rows: taps, columns: positions)
        var product = Matrix(rows: weight.rows, columns: positions)
        for n in 0..<input.rows {
            unfold(input, example: n, into: &columns)
            Matrix.multiply(weight, columns, into: &product)
            output.storage.withUnsafeMutableBufferPointer { out in
                product.storage.withUnsafeBufferPointer { p in
                    for c in 0..<weight.rows {
                        let b = bias.storage[c]
                        for i in 0..<positions { out[n * outputShape.count + c * positions + i] = p[c * positions + i] + b }
                    }
                }
            }
        }
        return (output, input)
    }

    public func backward(_ outputGradient: Matrix, cache input: Matrix, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let positions = outputShape.plane, taps = weight.columns
        var inputGradient = Matrix(rows: input.rows, columns: inputShape.count)
        var weightGradient = Matrix(rows: weight.rows, columns: taps)
        var biasGradient = Matrix(rows: 1, columns: weight.rows)
        var columns = Matrix(rows: taps, columns: positions)
        var columnGradient = Matrix(rows: taps, columns: positions)
        for n in 0..<input.rows {
            let upstream = Matrix(rows: weight.rows, columns: positions,
                                  storage: Array(outputGradient.storage[(n * outputShape.count)..<((n + 1) * outputShape.count)]))
            if parameterGradients {
                unfold(input, example: n, into: &columns)
                Matrix.multiply(upstream, columns, into: &weightGradient, transposeB: .transposed, beta: 1)
                for c in 0..<weight.rows {
                    var sum: Float = 0
                    for i in 0..<positions { sum += upstream.storage[c * positions + i] }
                    biasGradient.storage[c] += sum
                }
            }
            Matrix.multiply(weight, upstream, into: &columnGradient, transposeA: .transposed)
            inputGradient.storage.withUnsafeMutableBufferPointer { g in
                columnGradient.storage.withUnsafeBufferPointer { cg in
                    geometry.col2im(cg.baseAddress!, channels: inputShape.channels, height: inputShape.height, width: inputShape.width,
                                    into: g.baseAddress! + n * inputShape.count)
                }
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

    private func unfold(_ input: Matrix, example n: Int, into columns: inout Matrix) {
        input.storage.withUnsafeBufferPointer { x in
            columns.storage.withUnsafeMutableBufferPointer { c in
                geometry.im2col(x.baseAddress! + n * inputShape.count, channels: inputShape.channels,
                                height: inputShape.height, width: inputShape.width, into: c.baseAddress!)
            }
        }
    }
}
