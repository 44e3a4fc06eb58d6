import Linalg

/// Inverted dropout as a layer of any shape (PyTorch's `nn.Dropout(p)`): in training,
/// each unit is zeroed with probability `rate` and the rest are scaled by 1/(1 − rate);
/// in inference it passes its input on.
///
/// Which units a pass drops is `DropoutMask`'s function of the layer's `key`, the row
/// (example) and the column, so the backward pass finds the same mask from the key in
/// its cache, and any split of the work over lanes drops the same units. The key is
/// the caller's to change between passes (`setNoiseKey`), drawn from its own generator:
/// a layer value draws nothing, so a run stays reproducible and a resumed one redraws
/// what it drew.
public struct Dropout: Layer {
    public let rate: Float
    public let inputShape: TensorShape
    public var outputShape: TensorShape { inputShape }
    /// The key of the next forward pass's mask.
    public private(set) var key: UInt64 = 0
    private var training = true

    public init(rate: Float, shape: TensorShape) {
        precondition(rate >= 0 && rate < 1, "a dropout rate is in [0, 1)")
        self.rate = rate
        inputShape = shape
    }

    /// The key the forward pass masked with, or nil when it dropped nothing (inference,
    /// or a rate of 0).
    public typealias Cache = UInt64?

    public func forward(_ input: Matrix) -> (output: Matrix, cache: UInt64?) {
        guard training, rate > 0 else { return (input, nil) }
        return (Self.masked(input, key: key, rate: rate), key)
    }

    public func backward(_ outputGradient: Matrix, cache: UInt64?, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        guard let key = cache else { return (outputGradient, []) }
        return (Self.masked(outputGradient, key: key, rate: rate), [])
    }

    /// `matrix` with its dropped units zeroed and the others scaled, split over the lanes
    /// by rows (the mask is a function of the row, not of which lane masks it).
    private static func masked(_ matrix: Matrix, key: UInt64, rate: Float) -> Matrix {
        var out = matrix
        out.withMutableBlock { block in
            ParallelRanges.forEach(block.rows) { rows in
                DropoutMask.apply(block.rows(rows), firstRow: rows.lowerBound, key: key, rate: rate)
            }
        }
        return out
    }

    public var parameters: [(name: String, value: Matrix)] { [] }
    public mutating func setParameters(_ values: [Matrix]) { precondition(values.isEmpty, "dropout has no parameters") }
    public mutating func setTraining(_ training: Bool) { self.training = training }
    public mutating func setNoiseKey(_ key: UInt64) { self.key = key }
    public var torchModule: TorchModule { .dropout(rate: rate) }
}
