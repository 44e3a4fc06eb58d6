import Foundation
import Linalg

/// A small MLP digit classifier (784 → 256 → 128 → classes, leaky ReLU), trained with
/// the same layers and Adam as the GAN. Its penultimate layer gives the features the
/// sample-quality scores compare.
public struct Classifier: Sendable {
    public var layers: [Dense]
    public var alpha: Float
    var optimizer: Adam

    public init(hidden: [Int] = [256, 128], classes: Int = 10, alpha: Float = 0.01, learningRate: Float = 0.001, seed: UInt64) {
        var rng = Xoshiro256StarStar(seed: seed)
        let sizes = [TrainingConfig.imagePixels] + hidden + [classes]
        layers = (0..<(sizes.count - 1)).map { Dense(inputs: sizes[$0], outputs: sizes[$0 + 1], rng: &rng) }
        self.alpha = alpha
        optimizer = Adam(learningRate: learningRate,
                         shapes: layers.flatMap { [($0.weight.rows, $0.weight.columns), ($0.bias.rows, $0.bias.columns)] })
    }

    public var classes: Int { layers[layers.count - 1].outputs }

    /// Pre-activations and activations of every layer, for the backward pass.
    public struct Pass: Sendable {
        public var pre: [Matrix] = []
        public var post: [Matrix] = []
    }

    public func forward(_ input: Matrix) -> Pass {
        var pass = Pass()
        var x = input
        for (i, layer) in layers.enumerated() {
            var h = Matrix(rows: x.rows, columns: layer.outputs)
            layer.forward(x, into: &h, addingBias: i == layers.count - 1)
            if i < layers.count - 1 {
                var a = Matrix(rows: h.rows, columns: h.columns)
                Activation.addBiasLeakyReLU(&h, bias: layer.bias, alpha: alpha, into: &a)
                pass.pre.append(h)
                pass.post.append(a)
                x = a
            } else {
                pass.pre.append(h)
                pass.post.append(h)
            }
        }
        return pass
    }

    /// Class logits, one row per image.
    public func logits(_ images: Matrix) -> Matrix { forward(images).post.last! }

    /// The last hidden layer's activations: the feature space of the Fréchet distance.
    public func features(_ images: Matrix) -> Matrix { forward(images).post[layers.count - 2] }

    /// Fills every layer's gradients for the mean loss on `images` and returns the loss.
    public mutating func computeGradients(_ images: Matrix, labels: ArraySlice<UInt8>) -> Float {
        let pass = forward(images)
        var gradient = Matrix(rows: images.rows, columns: classes)
        let loss = SoftmaxCrossEntropy.meanLoss(logits: pass.post.last!, labels: labels, gradient: &gradient)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let input = i == 0 ? images : pass.post[i - 1]
            layers[i].accumulateGradients(input: input, outputGradient: gradient)
            guard i > 0 else { break }
            var below = Matrix(rows: images.rows, columns: layers[i].inputs)
            layers[i].inputGradient(gradient, into: &below)
            Activation.leakyReLUBackward(&below, preActivation: pass.pre[i - 1], alpha: alpha)
            gradient = below
        }
        return loss
    }

    /// One Adam step on a batch; returns the batch's mean loss before the step.
    public mutating func step(_ images: Matrix, labels: ArraySlice<UInt8>) -> Float {
        let loss = computeGradients(images, labels: labels)
        let rate = optimizer.beginStep()
        for i in layers.indices {
            optimizer.update(&layers[i].weight, gradient: layers[i].weightGradient, slot: 2 * i, rate: rate)
            optimizer.update(&layers[i].bias, gradient: layers[i].biasGradient, slot: 2 * i + 1, rate: rate)
        }
        return loss
    }

    /// Trains on `images` (scaled to [-1, 1] like the GAN's) for `epochs` shuffled passes,
    /// each image moved by up to `maxShift` pixels each way at random.
    /// `exclusive` wraps each step's matrix products (the daemon's BLAS gate).
    public mutating func train(_ images: TrainingImages, labels: [UInt8], epochs: Int, batchSize: Int = 100, maxShift: Int = 0,
                               seed: UInt64, exclusive: (() -> Void) -> Void = { $0() }) {
        precondition(labels.count == images.count)
        var rng = Xoshiro256StarStar(seed: seed)
        var order = Array(0..<images.count)
        var batch = Matrix(rows: batchSize, columns: images.pixelsPerImage)
        var batchLabels = [UInt8](repeating: 0, count: batchSize)
        for _ in 0..<epochs {
            rng.shuffle(&order)
            for s in 0..<(images.count / batchSize) {
                let indices = order[(s * batchSize)..<((s + 1) * batchSize)]
                if maxShift > 0 {
                    let span = UInt64(2 * maxShift + 1)
                    let offsets = indices.map { _ in (dx: Int(rng.next() % span) - maxShift, dy: Int(rng.next() % span) - maxShift) }
                    images.fill(&batch, indices: indices, offsets: offsets)
                } else {
                    images.fill(&batch, indices: indices)
                }
                for (k, index) in indices.enumerated() { batchLabels[k] = labels[index] }
                exclusive { _ = step(batch, labels: batchLabels[...]) }
            }
        }
    }

    /// Share of `images` whose arg-max class equals the label, classified 1,000 at a time
    /// (a whole 10,000-image test split at once would hold 50 MB of activations).
    public func accuracy(_ images: TrainingImages, labels: [UInt8]) -> Double {
        var correct = 0
        for start in stride(from: 0, to: images.count, by: 1_000) {
            let indices = Array(start..<min(start + 1_000, images.count))
            var batch = Matrix(rows: indices.count, columns: images.pixelsPerImage)
            images.fill(&batch, indices: indices[...])
            let scores = logits(batch)
            for r in 0..<scores.rows {
                var best = 0
                for c in 1..<scores.columns where scores[r, c] > scores[r, best] { best = c }
                if best == Int(labels[indices[r]]) { correct += 1 }
            }
        }
        return Double(correct) / Double(max(images.count, 1))
    }
}
