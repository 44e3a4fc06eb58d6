import Linalg

/// Batch normalisation per channel, as `torch.nn.BatchNorm2d` (and `BatchNorm1d` on
/// a vector shape, whose planes are 1×1): in training, each channel is normalised by
/// its mean and biased variance over the batch and the plane, then scaled by
/// `weight` and shifted by `bias`; in inference, by the running statistics, which
/// `updateRunningStatistics` moves toward each training batch's (momentum 0.1, and the
/// unbiased variance, as PyTorch does).
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
        let count = input.rows * inputShape.plane
        let (mean, variance) = mode == .training ? batchStatistics(input) : (runningMean.storage, runningVariance.storage)
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let normalised = input.storage.withUnsafeBufferPointer { x in
            Matrix(rows: input.rows, columns: input.columns) { z in
                forEachChannelLine(examples: input.rows) { c, line in
                    let m = mean[c], s = inverse[c]
                    for j in line { z[j] = (x[j] - m) * s }
                }
            }
        }
        let output = normalised.storage.withUnsafeBufferPointer { z in
            Matrix(rows: input.rows, columns: input.columns) { y in
                forEachChannelLine(examples: input.rows) { c, line in
                    let w = weight.storage[c], b = bias.storage[c]
                    for j in line { y[j] = z[j] * w + b }
                }
            }
        }
        return (output, Cache(normalised: normalised, mean: mean, variance: variance, inverseDeviation: inverse, mode: mode, count: count))
    }

    public func backward(_ outputGradient: Matrix, cache: Cache, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let channels = inputShape.channels, plane = inputShape.plane, rows = outputGradient.rows, stride = inputShape.count
        var weightGradient = Matrix(rows: 1, columns: channels), biasGradient = Matrix(rows: 1, columns: channels)
        var inputGradient = Matrix(rows: rows, columns: outputGradient.columns)
        outputGradient.storage.withUnsafeBufferPointer { g in
            cache.normalised.storage.withUnsafeBufferPointer { z in
                inputGradient.storage.withUnsafeMutableBufferPointer { d in
                    weightGradient.storage.withUnsafeMutableBufferPointer { weightGradient in
                        biasGradient.storage.withUnsafeMutableBufferPointer { biasGradient in
                            // Channels split between threads; each channel's sums run in one order.
                            ParallelRanges.forEach(channels) { range in
                                for c in range {
                                    var sumGradient = 0.0, sumGradientTimesNormalised = 0.0
                                    for n in 0..<rows {
                                        for j in (n * stride + c * plane)..<(n * stride + (c + 1) * plane) {
                                            sumGradient += Double(g[j])
                                            sumGradientTimesNormalised += Double(g[j]) * Double(z[j])
                                        }
                                    }
                                    weightGradient[c] = Float(sumGradientTimesNormalised)
                                    biasGradient[c] = Float(sumGradient)
                                    let scale = weight.storage[c] * cache.inverseDeviation[c]
                                    // In training the statistics depend on the input too: the gradient loses its
                                    // mean and its projection on the normalised input.
                                    let meanGradient = cache.mode == .training ? Float(sumGradient / Double(cache.count)) : 0
                                    let projection = cache.mode == .training ? Float(sumGradientTimesNormalised / Double(cache.count)) : 0
                                    for n in 0..<rows {
                                        for j in (n * stride + c * plane)..<(n * stride + (c + 1) * plane) {
                                            d[j] = scale * (g[j] - meanGradient - z[j] * projection)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (inputGradient, parameterGradients ? [weightGradient, biasGradient] : [])
    }

    /// Each channel's mean and biased variance over the batch and the plane, summed in
    /// Double (a channel holds up to examples × plane values), channels split between threads.
    private func batchStatistics(_ input: Matrix) -> (mean: [Float], variance: [Float]) {
        let channels = inputShape.channels, plane = inputShape.plane, stride = inputShape.count
        let count = Double(input.rows * plane)
        var mean = [Float](repeating: 0, count: channels), variance = [Float](repeating: 0, count: channels)
        input.storage.withUnsafeBufferPointer { x in
            mean.withUnsafeMutableBufferPointer { mean in
                variance.withUnsafeMutableBufferPointer { variance in
                    ParallelRanges.forEach(channels) { range in
                        for c in range {
                            var sum = 0.0
                            for n in 0..<input.rows {
                                for j in (n * stride + c * plane)..<(n * stride + (c + 1) * plane) { sum += Double(x[j]) }
                            }
                            let m = sum / count
                            var squares = 0.0
                            for n in 0..<input.rows {
                                for j in (n * stride + c * plane)..<(n * stride + (c + 1) * plane) {
                                    let d = Double(x[j]) - m
                                    squares += d * d
                                }
                            }
                            mean[c] = Float(m)
                            variance[c] = Float(squares / count)
                        }
                    }
                }
            }
        }
        return (mean, variance)
    }

    /// Calls `body(channel, indices)` for each example's plane of each channel, examples
    /// split between threads (each index is one call's alone).
    private func forEachChannelLine(examples: Int, _ body: (Int, Range<Int>) -> Void) {
        let plane = inputShape.plane, stride = inputShape.count
        ParallelRanges.forEach(examples) { rows in
            for n in rows {
                for c in 0..<inputShape.channels { body(c, (n * stride + c * plane)..<(n * stride + (c + 1) * plane)) }
            }
        }
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
