import Linalg

/// Batch normalisation per channel, as `torch.nn.BatchNorm2d` (and `BatchNorm1d` on
/// a vector shape, whose planes are 1×1): in training, each channel is normalised by
/// its mean and biased variance over the batch and the plane, then scaled by
/// `weight` and shifted by `bias`; in inference, by the running statistics, which
/// `updateRunningStatistics` moves toward each training batch's (momentum 0.1, and the
/// unbiased variance, as PyTorch does). The batch is channels-last, so a channel is
/// every `channels`-th value.
public struct BatchNorm: Layer {
    public enum Mode: Sendable, Hashable { case training, inference }

    public let inputShape: TensorShape
    public var outputShape: TensorShape { inputShape }
    public var mode = Mode.training
    public let epsilon: Float
    public let momentum: Float
    /// γ, one per channel (PyTorch's `weight`), starting at 1.
    public var weight: Matrix
    /// β, one per channel, starting at 0.
    public var bias: Matrix
    /// Buffers, not parameters: no gradient, but saved with the model.
    public var runningMean: Matrix
    public var runningVariance: Matrix

    public init(shape: TensorShape, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        inputShape = shape
        self.epsilon = epsilon
        self.momentum = momentum
        weight = Matrix(rows: 1, columns: shape.channels, repeating: 1)
        bias = Matrix(rows: 1, columns: shape.channels)
        runningMean = Matrix(rows: 1, columns: shape.channels)
        runningVariance = Matrix(rows: 1, columns: shape.channels, repeating: 1)
    }

    /// The normalised input and each channel's statistics: what backward and the
    /// running statistics need.
    public struct Cache: Sendable {
        public var normalised: Matrix
        public var mean: [Float]
        public var variance: [Float]
        public var inverseDeviation: [Float]
        public var mode: Mode
        public var count: Int
    }

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Cache) {
        precondition(input.columns == inputShape.count, "input has \(input.columns) values an example, \(inputShape) needs \(inputShape.count)")
        let count = input.rows * inputShape.plane, channels = inputShape.channels
        let (mean, variance) = mode == .training ? batchStatistics(input) : (runningMean.storage, runningVariance.storage)
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        var output = Matrix(rows: 0, columns: 0)
        let normalised = input.storage.withUnsafeBufferPointer { x in
            Matrix(rows: input.rows, columns: input.columns) { z in
                output = Matrix(rows: input.rows, columns: input.columns) { y in
                    // Positions split between threads; a position's channels are side by side.
                    ParallelRanges.forEach(count) { positions in
                        for p in positions {
                            let at = p * channels
                            for c in 0..<channels {
                                let normal = (x[at + c] - mean[c]) * inverse[c]
                                z[at + c] = normal
                                y[at + c] = normal * weight.storage[c] + bias.storage[c]
                            }
                        }
                    }
                }
            }
        }
        return (output, Cache(normalised: normalised, mean: mean, variance: variance, inverseDeviation: inverse, mode: mode, count: count))
    }

    public func backward(_ outputGradient: Matrix, cache: Cache, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let channels = inputShape.channels, positions = cache.count
        var sumGradient = [Double](repeating: 0, count: channels), sumGradientTimesNormalised = sumGradient
        outputGradient.storage.withUnsafeBufferPointer { g in
            cache.normalised.storage.withUnsafeBufferPointer { z in
                sumGradient.withUnsafeMutableBufferPointer { sumGradient in
                    sumGradientTimesNormalised.withUnsafeMutableBufferPointer { sumGradientTimesNormalised in
                        // Channels split between threads; each channel's sums run over the positions in order.
                        ParallelRanges.forEach(channels) { range in
                            for p in 0..<positions {
                                let at = p * channels
                                for c in range {
                                    sumGradient[c] += Double(g[at + c])
                                    sumGradientTimesNormalised[c] += Double(g[at + c]) * Double(z[at + c])
                                }
                            }
                        }
                    }
                }
            }
        }
        // In training the statistics depend on the input too: the gradient loses its
        // mean and its projection on the normalised input.
        let training = cache.mode == .training, n = Double(cache.count)
        let scale = (0..<channels).map { weight.storage[$0] * cache.inverseDeviation[$0] }
        let meanGradient = sumGradient.map { training ? Float($0 / n) : 0 }
        let projection = sumGradientTimesNormalised.map { training ? Float($0 / n) : 0 }
        let inputGradient = outputGradient.storage.withUnsafeBufferPointer { g in
            cache.normalised.storage.withUnsafeBufferPointer { z in
                Matrix(rows: outputGradient.rows, columns: outputGradient.columns) { d in
                    ParallelRanges.forEach(positions) { range in
                        for p in range {
                            let at = p * channels
                            for c in 0..<channels { d[at + c] = scale[c] * (g[at + c] - meanGradient[c] - z[at + c] * projection[c]) }
                        }
                    }
                }
            }
        }
        guard parameterGradients else { return (inputGradient, []) }
        return (inputGradient, [Matrix(rows: 1, columns: channels, storage: sumGradientTimesNormalised.map { Float($0) }),
                                Matrix(rows: 1, columns: channels, storage: sumGradient.map { Float($0) })])
    }

    /// Each channel's mean and biased variance over the batch and the plane, summed in
    /// Double (a channel holds up to examples × plane values) over the positions in
    /// order, channels split between threads.
    private func batchStatistics(_ input: Matrix) -> (mean: [Float], variance: [Float]) {
        let channels = inputShape.channels, positions = input.rows * inputShape.plane
        var sums = [Double](repeating: 0, count: channels), squares = sums
        input.storage.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { sums in
                squares.withUnsafeMutableBufferPointer { squares in
                    ParallelRanges.forEach(channels) { range in
                        for p in 0..<positions {
                            for c in range { sums[c] += Double(x[p * channels + c]) }
                        }
                        for c in range { sums[c] /= Double(positions) }
                        for p in 0..<positions {
                            for c in range {
                                let d = Double(x[p * channels + c]) - sums[c]
                                squares[c] += d * d
                            }
                        }
                    }
                }
            }
        }
        return (sums.map { Float($0) }, squares.map { Float($0 / Double(positions)) })
    }

    /// Moves the running statistics toward a training batch's, as PyTorch does after
    /// each training forward pass: the variance unbiased (× count / (count − 1)).
    public mutating func updateRunningStatistics(from cache: Cache) {
        guard cache.mode == .training else { return }
        let correction = cache.count > 1 ? Float(cache.count) / Float(cache.count - 1) : 1
        for c in 0..<inputShape.channels {
            runningMean.storage[c] = (1 - momentum) * runningMean.storage[c] + momentum * cache.mean[c]
            runningVariance.storage[c] = (1 - momentum) * runningVariance.storage[c] + momentum * cache.variance[c] * correction
        }
    }

    public var parameters: [(name: String, value: Matrix)] { [("weight", weight), ("bias", bias)] }

    public var buffers: [(name: String, value: Matrix)] { [("running_mean", runningMean), ("running_var", runningVariance)] }
    public var torchModule: TorchModule { .batchNorm2d(channels: inputShape.channels, epsilon: epsilon, momentum: momentum) }

    public mutating func setBuffers(_ values: [Matrix]) {
        precondition(values.count == 2 && values[0].count == runningMean.count && values[1].count == runningVariance.count)
        runningMean = values[0]
        runningVariance = values[1]
    }

    public mutating func setTraining(_ training: Bool) { mode = training ? .training : .inference }

    public mutating func updateBuffers(from cache: Cache) { updateRunningStatistics(from: cache) }

    public mutating func setParameters(_ values: [Matrix]) {
        precondition(values.count == 2 && values[0].count == weight.count && values[1].count == bias.count)
        weight = values[0]
        bias = values[1]
    }
}
