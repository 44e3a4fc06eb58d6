import Linalg

/// A conditional discriminator's first convolution: `torch.nn.Conv2d` over the image's
/// channels and `labels` more channels, each the row's one-hot entry broadcast over the
/// whole plane (constant planes, the usual way to give a convolutional D the digit).
///
/// The input is the image followed by the `labels` one-hot values, not by the planes:
/// a constant plane convolved with its kernel is the same map for every image, so the
/// label channels' part of the output is a per-class map added after the image's own
/// convolution, and their weight gradient a per-class sum. What this saves is the
/// planes' unfolding and their share of the product, ten times the image's for digits.
/// Weight and bias are exactly `Conv2D`'s over `image.channels + labels` channels,
/// as PyTorch stores them.
public struct LabelledConv2D: Layer {
    public let image: TensorShape
    public let labels: Int
    public let outputShape: TensorShape
    public let geometry: ConvolutionGeometry
    public var weight: Matrix
    public var bias: Matrix
    /// Whether tap t of the kernel lands inside the image at output position p: the
    /// constant plane's unfolded columns, the same for every example and class. Fixed
    /// by the shapes, so worked out once rather than in every pass.
    let inside: [[Bool]]

    /// PyTorch's default initialisation of the equivalent `Conv2d`, drawn as `Conv2D` draws it.
    public init(image: TensorShape, labels: Int, outChannels: Int, geometry: ConvolutionGeometry, rng: inout Xoshiro256StarStar) {
        let full = Conv2D(input: TensorShape(channels: image.channels + labels, height: image.height, width: image.width),
                          outChannels: outChannels, geometry: geometry, rng: &rng)
        self.image = image
        self.labels = labels
        self.geometry = geometry
        weight = full.weight
        bias = full.bias
        outputShape = full.outputShape
        let taps = geometry.kernel * geometry.kernel, output = full.outputShape
        inside = (0..<taps).map { tap in
            let ky = tap / geometry.kernel, kx = tap % geometry.kernel
            return (0..<output.plane).map { p in
                let iy = (p / output.width) * geometry.stride - geometry.padding + ky
                let ix = (p % output.width) * geometry.stride - geometry.padding + kx
                return iy >= 0 && iy < image.height && ix >= 0 && ix < image.width
            }
        }
    }

    public var inputShape: TensorShape { .vector(image.count + labels) }
    var taps: Int { geometry.kernel * geometry.kernel }

    /// The image's own convolution: the weight's first `image.channels · k²` columns.
    var imageConvolution: Conv2D {
        let columns = image.channels * taps
        var part = Matrix(rows: weight.rows, columns: columns)
        for r in 0..<weight.rows {
            for c in 0..<columns { part.storage[r * columns + c] = weight.storage[r * weight.columns + c] }
        }
        return Conv2D(input: image, geometry: geometry, weight: part, bias: bias)
    }

    /// Class y's map, in the output's channels-last layout (plane × outChannels): what
    /// its constant plane adds to each output.
    func classMaps() -> [Matrix] {
        let plane = outputShape.plane, channels = weight.rows
        return (0..<labels).map { y in
            Matrix(rows: plane, columns: channels) { map in
                let w = (image.channels + y) * taps
                for p in 0..<plane {
                    for c in 0..<channels {
                        var sum: Float = 0
                        for tap in 0..<taps where inside[tap][p] { sum += weight.storage[c * weight.columns + w + tap] }
                        (map.baseAddress! + p * channels + c).initialize(to: sum)
                    }
                }
            }
        }
    }

    public struct Cache: Sendable {
        let columns: Matrix
        let labelValues: Matrix
        /// `classMaps()` of the forward pass: backward needs them for the label inputs' gradient.
        let maps: [Matrix]
    }

    public func forward(_ input: Matrix) -> (output: Matrix, cache: Cache) {
        precondition(input.columns == inputShape.count, "input has \(input.columns) values an example, \(inputShape) needs \(inputShape.count)")
        let (pixels, values) = split(input)
        let (imageOutput, columns) = imageConvolution.forward(pixels)
        var output = imageOutput
        let maps = classMaps(), width = output.columns
        output.storage.withUnsafeMutableBufferPointer { out in
            ParallelRanges.forEach(input.rows) { rows in
                for n in rows {
                    for y in 0..<labels {
                        let v = values.storage[n * labels + y]
                        guard v != 0 else { continue }
                        maps[y].storage.withUnsafeBufferPointer { map in
                            for i in 0..<width { out[n * width + i] += v * map[i] }
                        }
                    }
                }
            }
        }
        return (output, Cache(columns: columns, labelValues: values, maps: maps))
    }

    public func backward(_ outputGradient: Matrix, cache: Cache, parameterGradients: Bool) -> (inputGradient: Matrix, parameterGradients: [Matrix]) {
        let (imageGradient, imageParameters) = imageConvolution.backward(outputGradient, cache: cache.columns, parameterGradients: parameterGradients)
        // d loss / d value[n, y] = Σ over the output of the gradient times class y's map.
        let maps = cache.maps, width = outputGradient.columns, batch = outputGradient.rows
        var inputGradient = Matrix(rows: batch, columns: inputShape.count)
        for n in 0..<batch {
            for i in 0..<image.count { inputGradient.storage[n * inputShape.count + i] = imageGradient.storage[n * image.count + i] }
            for y in 0..<labels {
                var sum: Float = 0
                for i in 0..<width { sum += outputGradient.storage[n * width + i] * maps[y].storage[i] }
                inputGradient.storage[n * inputShape.count + image.count + y] = sum
            }
        }
        guard parameterGradients else { return (inputGradient, []) }
        return (inputGradient, joined(imageParameters, outputGradient, cache))
    }

    public func parameterGradients(_ outputGradient: Matrix, cache: Cache) -> [Matrix] {
        joined(imageConvolution.parameterGradients(outputGradient, cache: cache.columns), outputGradient, cache)
    }

    /// The full weight gradient: the image's columns from its convolution, then each
    /// class's: Σ over examples (weighted by their label value) and positions of the
    /// output gradient where the tap lands inside the image. The examples are summed in
    /// order for each output value (outputs split between threads), then the positions
    /// in order, so any split gives the same sums.
    private func joined(_ imageParameters: [Matrix], _ outputGradient: Matrix, _ cache: Cache) -> [Matrix] {
        let imageWeights = imageParameters[0], imageColumns = image.channels * taps
        let plane = outputShape.plane, channels = weight.rows, batch = outputGradient.rows, width = outputGradient.columns
        var gradient = Matrix(rows: weight.rows, columns: weight.columns)
        for c in 0..<channels {
            for i in 0..<imageColumns { gradient.storage[c * weight.columns + i] = imageWeights.storage[c * imageColumns + i] }
        }
        var perClass = Matrix(rows: plane, columns: channels)
        for y in 0..<labels {
            perClass.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            outputGradient.storage.withUnsafeBufferPointer { g in
                perClass.storage.withUnsafeMutableBufferPointer { sums in
                    ParallelRanges.forEach(width) { outputs in
                        for n in 0..<batch {
                            let v = cache.labelValues.storage[n * labels + y]
                            guard v != 0 else { continue }
                            for i in outputs { sums[i] += v * g[n * width + i] }
                        }
                    }
                }
            }
            for c in 0..<channels {
                for tap in 0..<taps {
                    var sum: Float = 0
                    for p in 0..<plane where inside[tap][p] { sum += perClass.storage[p * channels + c] }
                    gradient.storage[c * weight.columns + (image.channels + y) * taps + tap] = sum
                }
            }
        }
        return [gradient, imageParameters[1]]
    }

    /// The image's values and the label values of each row.
    private func split(_ input: Matrix) -> (Matrix, Matrix) {
        let pixels = input.storage.withUnsafeBufferPointer { source in
            Matrix(rows: input.rows, columns: image.count) { out in
                for n in 0..<input.rows {
                    (out.baseAddress! + n * image.count).initialize(from: source.baseAddress! + n * input.columns, count: image.count)
                }
            }
        }
        var values = Matrix(rows: input.rows, columns: labels)
        for n in 0..<input.rows {
            for y in 0..<labels { values.storage[n * labels + y] = input.storage[n * input.columns + image.count + y] }
        }
        return (pixels, values)
    }

    public var parameters: [(name: String, value: Matrix)] { [("weight", weight), ("bias", bias)] }
    /// The `Conv2d` over the image's and the label planes' channels that this layer computes.
    public var torchModule: TorchModule { .conv2d(inChannels: image.channels + labels, outChannels: outputShape.channels, geometry: geometry) }

    public mutating func setParameters(_ values: [Matrix]) {
        precondition(values.count == 2 && values[0].rows == weight.rows && values[0].columns == weight.columns && values[1].count == bias.count)
        weight = values[0]
        bias = values[1]
    }
}
