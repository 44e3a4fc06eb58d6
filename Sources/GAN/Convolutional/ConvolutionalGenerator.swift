import Layers
import Linalg

/// A trained convolutional generator as sampling sees it: the network in inference
/// mode (BatchNorm on its running statistics), so an image depends on its own noise
/// only, never on the other rows of the batch it was drawn in.
public struct ConvolutionalGenerator: ImageGenerator {
    public private(set) var network: Sequential
    public let zSize: Int
    public let labelCount: Int

    public init(network: Sequential, zSize: Int, labelCount: Int) {
        var network = network
        network.setTraining(false)
        self.network = network
        self.zSize = zSize
        self.labelCount = labelCount
    }

    /// Rows drawn per forward pass: bounds the convolutions' scratch for a large request.
    static let chunk = 256

    public func generate(noise: Matrix, labels: [Int]?) -> Matrix {
        precondition(noise.columns == zSize, "noise must have \(zSize) columns")
        let input = isConditional ? LabelInput.appending(labels ?? LabelInput.cycle(count: noise.rows, classes: labelCount),
                                                         classes: labelCount, to: noise) : noise
        var images = Matrix(rows: noise.rows, columns: TrainingConfig.imagePixels)
        var start = 0
        while start < input.rows {
            let end = min(start + Self.chunk, input.rows)
            let drawn = network.forward(input.rows(start..<end)).output
            images.storage.replaceSubrange((start * images.columns)..<(end * images.columns), with: drawn.storage)
            start = end
        }
        return images
    }
}
