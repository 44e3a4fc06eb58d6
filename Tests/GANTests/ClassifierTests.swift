import Foundation
import GAN
import Linalg
import MNIST
import Testing

@Suite struct ClassifierTests {
    /// numpy: softmax cross-entropy of [[2, -1, 0.5], [0.1, 0.2, 3]] against labels [0, 1].
    @Test func softmaxCrossEntropyMatchesNumpy() {
        let logits = Matrix(rows: 2, columns: 3, storage: [2, -1, 0.5, 0.1, 0.2, 3])
        var gradient = Matrix(rows: 2, columns: 3)
        let loss = SoftmaxCrossEntropy.meanLoss(logits: logits, labels: [0, 1], gradient: &gradient)
        #expect(abs(Double(loss) - 1.5754563805893111) < 1e-5)
        let expected: [Float] = [-0.10720148, 0.01955629, 0.08764520, 0.02465566, -0.47275128, 0.44809561]
        for i in 0..<6 { #expect(abs(gradient.storage[i] - expected[i]) < 1e-5, "gradient[\(i)]") }
        // Stable for huge logits.
        let big = SoftmaxCrossEntropy.probabilities(Matrix(rows: 1, columns: 2, storage: [1000, 0]))
        #expect(big[0, 0] == 1 && big[0, 1] == 0)
    }

    /// Every layer's analytic gradient against central differences of a Double forward pass.
    @Test func gradientsMatchFiniteDifferences() {
        var classifier = Classifier(hidden: [6, 5], classes: 4, seed: 3)
        let images = randomMatrix(rows: 3, columns: 784, seed: 4)
        let labels: [UInt8] = [0, 3, 1]
        _ = classifier.computeGradients(images, labels: labels[...])
        let x = Reference.matrix(images)
        func loss(_ layers: [Reference.Weights]) -> Double {
            var h = x
            for (i, layer) in layers.enumerated() {
                h = Reference.dense(h, layer)
                if i < layers.count - 1 { h = Reference.leaky(h, Double(classifier.alpha)) }
            }
            return zip(h, labels).map { row, label in
                let m = row.max()!
                let sum = row.map { exp($0 - m) }.reduce(0, +)
                return -(row[Int(label)] - m - log(sum))
            }.reduce(0, +) / Double(h.count)
        }
        let weights = classifier.layers.map(Reference.weights)
        for (l, layer) in classifier.layers.enumerated() {
            for i in stride(from: 0, to: layer.inputs, by: max(1, layer.inputs / 7)) {
                for o in 0..<layer.outputs {
                    let numeric = Reference.derivative(at: weights[l].w[i][o]) { v in
                        var q = weights; q[l].w[i][o] = v; return loss(q)
                    }
                    #expect(close(Double(layer.weightGradient[i, o]), numeric), "layer \(l) dW[\(i),\(o)]")
                }
            }
            for o in 0..<layer.outputs {
                let numeric = Reference.derivative(at: weights[l].b[o]) { v in var q = weights; q[l].b[o] = v; return loss(q) }
                #expect(close(Double(layer.biasGradient[0, o]), numeric), "layer \(l) db[\(o)]")
            }
        }
    }

    /// Trained as the daemon trains it (mnist5k's 4,000 digits, 30 epochs, one-pixel
    /// shifts; 1.6 s), it classifies the 1,000 held-out ones: issue 7 asks for at least 94%.
    /// Measured over classifier seeds 11 (the daemon's), 1–7 and the Haswell, SkylakeX and
    /// Cooperlake kernels (24 runs): 94.8–96.6%, mean 95.8%; seed 4 is the lowest (or tied)
    /// on every kernel (95.2, 95.1, 94.8%). The suite runs the daemon's seed (nil: its default) and
    /// two others, 4 among them.
    @Test(arguments: [nil, 1, 4] as [UInt64?])
    func learnsMnist5k(seed: UInt64?) throws {
        let classifier: Classifier
        if let seed {
            let train = try Mnist5k.images(.train)
            BLASThreads.set(1)
            classifier = QualityReference.trainClassifier(on: LabeledDigits(images: train.images, labels: train.labels), seed: seed)
        } else {
            classifier = try #require(Mnist5k.classifier, "mnist5k could not be loaded")
        }
        let test = try Mnist5k.images(.test)
        let accuracy = classifier.accuracy(test.images, labels: test.labels)
        #expect(accuracy >= 0.94, "seed \(seed.map(String.init) ?? "default"): test accuracy \(accuracy)")
        #expect(classifier.features(Matrix(rows: 2, columns: 784)).columns == 128)
    }
}

@Suite struct ClassifierFileTests {
    @Test func roundTripAndRefusals() throws {
        let classifier = Classifier(hidden: [16, 8], classes: 10, seed: 5)
        let bytes = classifier.encoded(testAccuracy: 0.951)
        let (decoded, accuracy) = try Classifier.decode(bytes)
        #expect(accuracy == 0.951)
        #expect(decoded.layers == classifier.layers && decoded.alpha == classifier.alpha)
        let probe = randomMatrix(rows: 3, columns: 784, seed: 6)
        #expect(decoded.logits(probe) == classifier.logits(probe))
        var flipped = bytes
        flipped[bytes.count / 2] ^= 1
        #expect(throws: CheckpointError.self) { try Classifier.decode(flipped) }
        #expect(throws: CheckpointError.self) { try Classifier.decode(Array(bytes.prefix(30))) }
        #expect(throws: CheckpointError.self) { try Classifier.decode(Checkpoint.encode(CheckpointTests.smallTrainer().0)) }
    }
}
