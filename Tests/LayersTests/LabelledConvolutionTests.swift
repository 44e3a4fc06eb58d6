import Layers
import Linalg
import Testing

/// The conditional first convolution against what it replaces: a `Conv2D` over the
/// image and explicit constant label planes, with the same weights; and its own
/// gradients against finite differences.
@Suite struct LabelledConvolutionTests {
    static let geometry = ConvolutionGeometry(kernel: 4, stride: 2, padding: 1)
    static let image = TensorShape(channels: 1, height: 8, width: 8)
    static let labels = 3

    static func layers() -> (LabelledConv2D, Conv2D) {
        var rng = Xoshiro256StarStar(seed: 11)
        let labelled = LabelledConv2D(image: image, labels: labels, outChannels: 4, geometry: geometry, rng: &rng)
        let planes = TensorShape(channels: image.channels + labels, height: image.height, width: image.width)
        return (labelled, Conv2D(input: planes, geometry: geometry, weight: labelled.weight, bias: labelled.bias))
    }

    /// Rows of image pixels then one-hot values, and the same rows with the one-hot as
    /// planes: channels-last, so each position holds its pixel, then the label channels.
    static func inputs(batch: Int) -> (Matrix, Matrix) {
        let pixels = FiniteDifference.random(rows: batch, columns: image.count, seed: 12)
        var compact = Matrix(rows: batch, columns: image.count + labels)
        var planes = Matrix(rows: batch, columns: image.count * (1 + labels))
        for n in 0..<batch {
            for i in 0..<image.count {
                compact.storage[n * compact.columns + i] = pixels.storage[n * image.count + i]
                planes.storage[n * planes.columns + i * (1 + labels)] = pixels.storage[n * image.count + i]
            }
            let label = n % labels
            compact.storage[n * compact.columns + image.count + label] = 1
            for i in 0..<image.count { planes.storage[n * planes.columns + i * (1 + labels) + 1 + label] = 1 }
        }
        return (compact, planes)
    }

    static func close(_ a: Matrix, _ b: Matrix, _ what: String) {
        #expect(a.rows == b.rows && a.columns == b.columns, "\(what): \(a.rows)x\(a.columns) against \(b.rows)x\(b.columns)")
        let worst = zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "\(what) differs by \(worst)")
    }

    @Test func itIsAConvolutionOverConstantLabelPlanes() {
        let (labelled, reference) = Self.layers()
        let (compact, planes) = Self.inputs(batch: 5)
        let (output, cache) = labelled.forward(compact)
        let (expected, referenceCache) = reference.forward(planes)
        Self.close(output, expected, "output")
        let probe = FiniteDifference.random(rows: 5, columns: labelled.outputShape.count, seed: 13)
        let mine = labelled.backward(probe, cache: cache, parameterGradients: true)
        let theirs = reference.backward(probe, cache: referenceCache, parameterGradients: true)
        Self.close(mine.parameterGradients[0], theirs.parameterGradients[0], "weight gradient")
        Self.close(mine.parameterGradients[1], theirs.parameterGradients[1], "bias gradient")
        var imageGradient = Matrix(rows: 5, columns: Self.image.count), referenceImage = imageGradient
        for n in 0..<5 {
            for i in 0..<Self.image.count {
                imageGradient.storage[n * Self.image.count + i] = mine.inputGradient.storage[n * compact.columns + i]
                referenceImage.storage[n * Self.image.count + i] = theirs.inputGradient.storage[n * planes.columns + i * (1 + Self.labels)]
            }
        }
        Self.close(imageGradient, referenceImage, "image gradient")
        #expect(labelled.parameterGradients(probe, cache: cache) == mine.parameterGradients)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let (labelled, _) = Self.layers()
        let (compact, _) = Self.inputs(batch: 3)
        #expect(FiniteDifference.worstRelativeError(labelled, input: compact, seed: 14) < 2e-2)
    }
}
