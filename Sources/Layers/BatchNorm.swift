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
        let channels = inputShape.channels, plane = inputShape.plane, count = input.rows * plane, stride = inputShape.count
        var mean = [Float](repeating: 0, count: channels), variance = [Float](repeating: 0, count: channels)
        if mode == .training {
            input.storage.withUnsafeBufferPointer { x in
                mean.withUnsafeMutableBufferPointer { mean in
                variance.withUnsafeMutableBufferPointer { variance in
                // Channels split between threads; each channel's sums run in one order.
                ParallelRanges.forEach(channels) { range in
                for c in range {
                    // Double sums: a channel holds up to examples × plane values.
                    var sum = 0.0
                    for n in 0..<input.rows {
                        let line = x.baseAddress! + n * stride + c * plane
                        for i in 0..<plane { sum += Double(line[i]) }
                    }
                    let m = sum / Double(count)
                    var squares = 0.0
                    for n in 0..<input.rows {
                        let line = x.baseAddress! + n * stride + c * plane
                        for i in 0..<plane {
                            let d = Double(line[i]) - m
                            squares += d * d
                        }
                    }
                    mean[c] = Float(m)
                    variance[c] = Float(squares / Double(count))
                }
                }
                }
                }
            }
        } else {
            mean = runningMean.storage
            variance = runningVariance.storage
        }
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        var output = input
        let normalised = input.storage.withUnsafeBufferPointer { x in
            Matrix(rows: input.rows, columns: input.columns) { z in
                output.storage.withUnsafeMutableBufferPointer { y in
                    ParallelRanges.forEach(input.rows) { rows in
                    for n in rows {
                        for c in 0..<channels {
                            let base = n * stride + c * plane
                            let m = mean[c], s = inverse[c], w = weight.storage[c], b = bias.storage[c]
                            for j in base..<(base + plane) {
                                z[j] = (x[j] - m) * s
                                y[j] = z[j] * w + b
                            }
                        }
                    }
                    }
                }
            }
        }
        return (output, Cache(normalised: normalised, mean: mean, variance: variance, inverseDeviation: inverse, mode: mode, count: count))
    }

    public func backward(_ outputGradient: Matrix, cache: Cache, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let channels = inputShape.channels, plane = inputShape.plane, rows = outputGradient.rows, stride = inputShape.count
        var weightGradient = Matrix(rows: 1, columns: channels), biasGradient = Matrix(rows: 1, columns: channels)
        var inputGradient = outputGradient
        outputGradient.storage.withUnsafeBufferPointer { g in
            cache.normalised.storage.withUnsafeBufferPointer { z in
                inputGradient.storage.withUnsafeMutableBufferPointer { d in
                weightGradient.storage.withUnsafeMutableBufferPointer { weightGradient in
                biasGradient.storage.withUnsafeMutableBufferPointer { biasGradient in
                    ParallelRanges.forEach(channels) { range in
                    for c in range {
                        var sumGradient = 0.0, sumGradientTimesNormalised = 0.0
                        for n in 0..<rows {
                            let base = n * stride + c * plane
                            for j in base..<(base + plane) {
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
                            let base = n * stride + c * plane
                            for j in base..<(base + plane) { d[j] = scale * (g[j] - meanGradient - z[j] * projection) }
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
