import Linalg

/// A fully connected layer, as `torch.nn.Linear`: `y = x Wᵀ + b` with the weight
/// stored outputs × inputs (PyTorch's layout, so a state dict maps one to one).
/// Called `Linear` rather than `Dense` so that it does not collide with the MLP
/// trainer's fused `Dense` in modules that use both.
public struct Linear: Layer {
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public var weight: Matrix
    public var bias: Matrix

    /// PyTorch's default initialisation: weight and bias uniform in ±1/√inputs.
    public init(inputs: Int, outputs: Int, rng: inout Xoshiro256StarStar) {
        let bound = 1 / Float(inputs).squareRoot()
        let weight = Matrix(rows: outputs, columns: inputs, storage: (0..<(outputs * inputs)).map { _ in bound * rng.nextSymmetricUniform() })
        let bias = Matrix(rows: 1, columns: outputs, storage: (0..<outputs).map { _ in bound * rng.nextSymmetricUniform() })
        self.init(weight: weight, bias: bias)
    }

    public init(weight: Matrix, bias: Matrix) {
        precondition(bias.count == weight.rows, "one bias per output")
        inputShape = .vector(weight.columns)
        outputShape = .vector(weight.rows)
        self.weight = weight
        self.bias = bias
    }

    public typealias Cache = Matrix

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Matrix) {
        precondition(input.columns == weight.columns, "input has \(input.columns) values an example, the layer takes \(weight.columns)")
        var output = Matrix(rows: input.rows, columns: weight.rows)
        Matrix.multiplyInTiles(input, weight, into: &output, transposeB: .transposed)
        output.storage.withUnsafeMutableBufferPointer { y in
            bias.storage.withUnsafeBufferPointer { b in
                for n in 0..<input.rows { for j in 0..<b.count { y[n * b.count + j] += b[j] } }
            }
        }
        return (output, input)
    }

    public func backward(_ outputGradient: Matrix, cache input: Matrix, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        var inputGradient = Matrix(rows: outputGradient.rows, columns: weight.columns)
        Matrix.multiplyInTiles(outputGradient, weight, into: &inputGradient)
        guard parameterGradients else { return (inputGradient, []) }
        var weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        Matrix.multiplyInTiles(outputGradient, input, into: &weightGradient, transposeA: .transposed)
        var biasGradient = Matrix(rows: 1, columns: weight.rows)
        for n in 0..<outputGradient.rows {
            for j in 0..<weight.rows { biasGradient.storage[j] += outputGradient.storage[n * weight.rows + j] }
        }
        return (inputGradient, [weightGradient, biasGradient])
    }

    public var parameters: [(name: String, value: Matrix)] { [("weight", weight), ("bias", bias)] }
    public var torchModule: TorchModule { .linear(inputs: inputShape.count, outputs: outputShape.count) }

    public mutating func setParameters(_ values: [Matrix]) {
        precondition(values.count == 2 && values[0].count == weight.count && values[1].count == bias.count)
        weight = Matrix(rows: weight.rows, columns: weight.columns, storage: values[0].storage)
        bias = Matrix(rows: 1, columns: bias.columns, storage: values[1].storage)
    }
}
