import Linalg

/// What sampling and scoring need of a trained generator, whatever its layers: the
/// notebook's MLP and the convolutional generator both draw 28×28 images in [-1, 1],
/// one a row, from noise rows of `zSize` (and a digit each when conditional).
public protocol ImageGenerator: Sendable {
    var zSize: Int { get }
    /// Classes of the label input; 0 for an unconditional generator.
    var labelCount: Int { get }
    /// Images for `noise`; a conditional generator draws digit `labels[i]` for row i,
    /// or the digits in turn (0, 1, …, 9, 0, …) without labels.
    func generate(noise: Matrix, labels: [Int]?) -> Matrix
}

extension ImageGenerator {
    public var isConditional: Bool { labelCount > 0 }
    public func generate(noise: Matrix) -> Matrix { generate(noise: noise, labels: nil) }
}

extension Generator: ImageGenerator {}
