import Linalg

/// A fully connected layer `y = x W + b`, with its gradients beside it.
///
/// Weights are inputs x outputs so a batch (rows = examples) multiplies on the left,
/// as `tf.layers.dense` does.
public struct Dense: Sendable, Equatable {
    public var weight: Matrix
    public var bias: Matrix
    public var weightGradient: Matrix
    public var biasGradient: Matrix

    /// Layers are equal when their parameters are; gradients are scratch space.
    public static func == (lhs: Dense, rhs: Dense) -> Bool { lhs.weight == rhs.weight && lhs.bias == rhs.bias }

    public var inputs: Int { weight.rows }
    public var outputs: Int { weight.columns }

    /// TensorFlow's default: Glorot (Xavier) uniform weights, zero bias.
    public init(inputs: Int, outputs: Int, rng: inout Xoshiro256StarStar) {
        let limit = (6 / Float(inputs + outputs)).squareRoot()
        var weight = Matrix(rows: inputs, columns: outputs)
        for i in 0..<weight.count { weight.storage[i] = rng.nextSymmetricUniform() * limit }
        self.init(weight: weight, bias: Matrix(rows: 1, columns: outputs))
    }

    public init(weight: Matrix, bias: Matrix) {
        precondition(bias.rows == 1 && bias.columns == weight.columns, "bias must be 1x\(weight.columns)")
        self.weight = weight
        self.bias = bias
        self.weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        self.biasGradient = Matrix(rows: 1, columns: weight.columns)
    }

    /// `output = input W + b` (bias added by the caller's fused activation pass when
    /// it has one; `addingBias` does it here otherwise).
    public func forward(_ input: Matrix, into output: inout Matrix, addingBias: Bool = true) {
        Matrix.multiply(input, weight, into: &output)
        if addingBias {
            output.withMutableBlock { out in bias.withBlock { Elementwise.addRowVector(out, bias: $0.base) } }
        }
    }

    /// `layer ← keeping · layer + (1 − keeping) · target`, weights and bias: a step of
    /// an exponential moving average.
    public static func blend(_ layer: inout Dense, toward target: Dense, keeping: Float) {
        precondition(layer.weight.rows == target.weight.rows && layer.weight.columns == target.weight.columns, "blended layers differ in shape")
        let moving = 1 - keeping
        func blend(_ average: inout [Float], _ values: [Float]) {
            average.withUnsafeMutableBufferPointer { a in
                values.withUnsafeBufferPointer { v in
                    for i in a.indices { a[i] = keeping * a[i] + moving * v[i] }
                }
            }
        }
        blend(&layer.weight.storage, target.weight.storage)
        blend(&layer.bias.storage, target.bias.storage)
    }

    /// Weight and bias gradients from the gradient at the output: `dW = xᵀ dy`, `db = Σ dy`.
    public mutating func accumulateGradients(input: Matrix, outputGradient: Matrix) {
        Matrix.multiply(input, outputGradient, into: &weightGradient, transposeA: .transposed)
        outputGradient.withBlock { dy in biasGradient.withMutableBlock { Elementwise.columnSums(dy, into: $0.base) } }
    }

    /// The gradient at the input: `dx = dy Wᵀ`.
    public func inputGradient(_ outputGradient: Matrix, into inputGradient: inout Matrix) {
        Matrix.multiply(outputGradient, weight, into: &inputGradient, transposeB: .transposed)
    }
}

/// A dense layer's tensors as blocks, pinned by `Dense.withBlocks`.
public struct DenseBlocks: @unchecked Sendable {
    // @unchecked: two `MatrixBlock`s (pointers into pinned storage); see `MatrixBlock`.
    public let weight: MatrixBlock
    public let bias: MatrixBlock
    public let weightGradient: MatrixBlock
    public let biasGradient: MatrixBlock
}

extension Dense {
    /// The layer's parameters and gradients as blocks, for the duration of `body`.
    public mutating func withBlocks<R>(_ body: (DenseBlocks) throws -> R) rethrows -> R {
        try weight.withMutableBlock { w in
            try bias.withMutableBlock { b in
                try weightGradient.withMutableBlock { gw in
                    try biasGradient.withMutableBlock { gb in
                        try body(DenseBlocks(weight: w, bias: b, weightGradient: gw, biasGradient: gb))
                    }
                }
            }
        }
    }
}
