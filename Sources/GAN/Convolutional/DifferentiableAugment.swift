import Linalg

/// One draw of DiffAugment's random transform T (Zhao et al. 2020, "Differentiable
/// Augmentation for Data-Efficient GAN Training") for a batch of 28×28 one-channel images
/// in [-1, 1], row-major, 784 values a row: `forward` computes T x, `adjoint` takes a
/// gradient with respect to T x back to one with respect to x.
///
/// D sees every image through a fresh T (the real batch and G(z) in D's update, G(z) in
/// G's), so it cannot learn the 4,000 training digits pixel by pixel, and G's gradient
/// comes back through T. The transforms, per image, with DiffAugment's ranges:
/// - brightness: add b, uniform in [-0.5, 0.5);
/// - contrast: scale each pixel's deviation from the image's mean by s, uniform in [0.5, 1.5);
/// - translation: shift the content by whole pixels, each axis uniform in -3...3 (1/8 of
///   the side); what moves in is the background, -1;
/// - cutout: a 14×14 square (half the side) set to the background, -1, its centre
///   uniform on 0...28 each axis, so part of the square may fall off the image.
///
/// T is affine (T x = A x + c, the constant being the background that moves in or fills
/// the square, and the brightness), so its derivative is A and the gradient is Aᵀ, which
/// depends on the draws only, never on x. `adjoint` applies Aᵀ.
///
/// The work is serial, image by image: a pass is a few thousand operations an image,
/// against the millions of D's convolutions, and a value computed on one thread is the
/// same whatever the lane count.
public struct DifferentiableAugment: Sendable, Equatable {
    public static let side = 28
    public static let pixels = side * side
    /// 28/8 = 3.5 rounded down. DiffAugment's own rounding, int(28 · 0.125 + 0.5), would
    /// give 4; MNIST centres each digit in a 20×20 box, about 4 pixels from the border,
    /// and a shift of at most 3 moves a digit's strokes without pushing them off the image.
    public static let maxShift = 3
    public static let cutoutSide = side / 2
    /// What a translation moves in and a cutout fills with: MNIST's background, 0 ink,
    /// is -1 in [-1, 1], and a real digit's border is that value. DiffAugment pads with 0
    /// because its images are normalised to mean 0; here 0 is mid-grey, a frame or a patch
    /// no real digit has, which D would learn to see past instead of the digit.
    public static let background: Float = -1

    /// One image's drawn parameters; a transform the policy leaves out keeps its identity.
    public struct Draw: Sendable, Equatable {
        /// Added to every pixel.
        public var brightness: Float = 0
        /// Factor on each pixel's deviation from the image's mean.
        public var contrast: Float = 1
        /// Output (r, c) takes input (r − rowShift, c − columnShift): the content moves down and right.
        public var rowShift = 0, columnShift = 0
        /// The cutout covers rows cutoutRow − 7 ..< cutoutRow + 7 and the same columns
        /// about cutoutColumn, clipped to the image.
        public var cutoutRow = 0, cutoutColumn = 0

        public init(brightness: Float = 0, contrast: Float = 1, rowShift: Int = 0, columnShift: Int = 0, cutoutRow: Int = 0, cutoutColumn: Int = 0) {
            (self.brightness, self.contrast, self.rowShift, self.columnShift) = (brightness, contrast, rowShift, columnShift)
            (self.cutoutRow, self.cutoutColumn) = (cutoutRow, cutoutColumn)
        }
    }

    public let policy: AugmentPolicy
    /// One per image (row) of the batch.
    public let draws: [Draw]

    /// Given parameters (tests, references).
    public init(policy: AugmentPolicy, draws: [Draw]) {
        self.policy = policy
        self.draws = draws
    }

    /// Draws `count` images' parameters from `rng`, transform by transform in the order
    /// they apply and image by image within one, and nothing for a transform the policy
    /// leaves out: the same generator state gives the same T.
    public init(policy: AugmentPolicy, count: Int, rng: inout Xoshiro256StarStar) {
        var draws = [Draw](repeating: Draw(), count: count)
        for transform in policy.transforms {
            for i in draws.indices {
                switch transform {
                case .brightness:
                    // nextSymmetricUniform is k·2⁻²³ − 1: half of it is exactly DiffAugment's rand − 0.5.
                    draws[i].brightness = 0.5 * rng.nextSymmetricUniform()
                case .contrast:
                    draws[i].contrast = 1 + 0.5 * rng.nextSymmetricUniform()
                case .translation:
                    draws[i].rowShift = rng.nextIndex(below: 2 * Self.maxShift + 1) - Self.maxShift
                    draws[i].columnShift = rng.nextIndex(below: 2 * Self.maxShift + 1) - Self.maxShift
                case .cutout:
                    // DiffAugment's offset: 0 ..< side + 1 for an even square.
                    draws[i].cutoutRow = rng.nextIndex(below: Self.side + 1)
                    draws[i].cutoutColumn = rng.nextIndex(below: Self.side + 1)
                }
            }
        }
        self.init(policy: policy, draws: draws)
    }

    /// T applied to each row of `images` (count × 784).
    public func forward(_ images: Matrix) -> Matrix {
        precondition(images.rows == draws.count && images.columns == Self.pixels, "images must be \(draws.count)x\(Self.pixels)")
        return eachImage(of: images) { image, draw, scratch in
            for transform in policy.transforms {
                switch transform {
                case .brightness: for p in image.indices { image[p] += draw.brightness }
                case .contrast:
                    let mean = Self.mean(image)
                    for p in image.indices { image[p] = (image[p] - mean) * draw.contrast + mean }
                case .translation: Self.translate(image, by: draw, scratch: &scratch, fill: Self.background)
                case .cutout: Self.cut(image, at: draw, fill: Self.background)
                }
            }
        }
    }

    /// A copy of `batch` whose row i `body` rewrites in place with draw i (and a scratch image).
    private func eachImage(of batch: Matrix, _ body: (UnsafeMutableBufferPointer<Float>, Draw, inout [Float]) -> Void) -> Matrix {
        var out = batch
        var scratch = [Float](repeating: 0, count: Self.pixels)
        out.storage.withUnsafeMutableBufferPointer { all in
            for (i, draw) in draws.enumerated() {
                body(UnsafeMutableBufferPointer(rebasing: all[(i * Self.pixels)..<((i + 1) * Self.pixels)]), draw, &scratch)
            }
        }
        return out
    }

    /// Aᵀ applied to each row of `gradient` (count × 784): the transforms' transposes in
    /// the reverse order.
    public func adjoint(_ gradient: Matrix) -> Matrix {
        precondition(gradient.rows == draws.count && gradient.columns == Self.pixels, "gradient must be \(draws.count)x\(Self.pixels)")
        return eachImage(of: gradient) { image, draw, scratch in
            for transform in policy.transforms.reversed() {
                switch transform {
                // The constant added has no derivative.
                case .brightness: break
                // s x + (1 − s) mean(x) is symmetric: its transpose is itself.
                case .contrast:
                    let mean = Self.mean(image)
                    for p in image.indices { image[p] = (image[p] - mean) * draw.contrast + mean }
                // The shift back, and what fell off the image gets no gradient.
                case .translation:
                    var back = draw
                    (back.rowShift, back.columnShift) = (-draw.rowShift, -draw.columnShift)
                    Self.translate(image, by: back, scratch: &scratch, fill: 0)
                // A filled pixel does not depend on the input.
                case .cutout: Self.cut(image, at: draw, fill: 0)
                }
            }
        }
    }

    /// The mean of one image, summed in Double in pixel order.
    private static func mean(_ image: UnsafeMutableBufferPointer<Float>) -> Float {
        var sum = 0.0
        for v in image { sum += Double(v) }
        return Float(sum / Double(image.count))
    }

    /// Output (r, c) ← input (r − rowShift, c − columnShift), `fill` where that is off the image.
    private static func translate(_ image: UnsafeMutableBufferPointer<Float>, by draw: Draw, scratch: inout [Float], fill: Float) {
        guard draw.rowShift != 0 || draw.columnShift != 0 else { return }
        for p in image.indices { scratch[p] = image[p] }
        for r in 0..<side {
            let from = r - draw.rowShift
            for c in 0..<side {
                let column = c - draw.columnShift
                image[r * side + c] = (0..<side).contains(from) && (0..<side).contains(column) ? scratch[from * side + column] : fill
            }
        }
    }

    /// The cutout square about (cutoutRow, cutoutColumn), clipped to the image, set to `fill`.
    private static func cut(_ image: UnsafeMutableBufferPointer<Float>, at draw: Draw, fill: Float) {
        let half = cutoutSide / 2
        let rows = max(0, draw.cutoutRow - half)..<min(side, draw.cutoutRow - half + cutoutSide)
        let columns = max(0, draw.cutoutColumn - half)..<min(side, draw.cutoutColumn - half + cutoutSide)
        for r in rows {
            for c in columns { image[r * side + c] = fill }
        }
    }
}
