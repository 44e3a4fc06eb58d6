import Foundation
import Layers
import Linalg
import Testing
import GAN

/// Dropout in the discriminator: masks that are a function of (key, row, column), and
/// gradients through them against finite differences with the mask held fixed.
@Suite struct DropoutTests {
    @Test func masksKeepTheRateAndDependOnlyOnTheKeyRowAndColumn() {
        for rate: Float in [0.1, 0.3, 0.5, 0.9] {
            var kept = 0
            for r in 0..<400 { for c in 0..<250 where DropoutMask.keeps(key: 77, row: r, column: c, rate: rate) { kept += 1 } }
            let share = Double(kept) / 100_000
            // 100,000 draws: the share's standard deviation is at most 0.0016.
            #expect(abs(share - Double(1 - rate)) < 0.01, "rate \(rate): kept \(share)")
        }
        let a = (0..<2000).map { DropoutMask.keeps(key: 5, row: $0 / 40, column: $0 % 40, rate: 0.3) }
        #expect(a == (0..<2000).map { DropoutMask.keeps(key: 5, row: $0 / 40, column: $0 % 40, rate: 0.3) })
        let b = (0..<2000).map { DropoutMask.keeps(key: 6, row: $0 / 40, column: $0 % 40, rate: 0.3) }
        #expect(zip(a, b).filter { $0 != $1 }.count > 500, "another key draws another mask")
        // Applied: dropped units are 0, kept ones scaled by 1 / (1 − rate); rows keep their place.
        var m = Matrix(rows: 6, columns: 9, repeating: 2)
        DropoutMask.apply(&m, key: 5, rate: 0.3)
        for r in 0..<6 { for c in 0..<9 {
            #expect(m[r, c] == (DropoutMask.keeps(key: 5, row: r, column: c, rate: 0.3) ? 2 / Float(0.7) : 0))
        } }
        var rows = Matrix(rows: 6, columns: 9, repeating: 2)
        rows.withMutableBlock { DropoutMask.apply($0.rows(3..<6), firstRow: 3, key: 5, rate: 0.3) }
        #expect((3..<6).allSatisfy { r in (0..<9).allSatisfy { rows[r, $0] == m[r, $0] } })
        var none = Matrix(rows: 2, columns: 3, repeating: 1)
        DropoutMask.apply(&none, key: 5, rate: 0)
        #expect(none == Matrix(rows: 2, columns: 3, repeating: 1))
    }

    /// D's own update with its hidden layer dropped out: weights and biases.
    @Test func discriminatorGradientThroughDropoutMatchesFiniteDifferences() {
        let alpha: Float = 0.01, smooth: Float = 0.1, batch = 3, units = 8, rate: Float = 0.4, key: UInt64 = 91
        var rng = Xoshiro256StarStar(seed: 61)
        var discriminator = Discriminator(hiddenUnits: units, alpha: alpha, rng: &rng)
        discriminator.hidden.bias = randomMatrix(rows: 1, columns: units, scale: 0.1, seed: 62)
        let input = randomMatrix(rows: 2 * batch, columns: 784, seed: 63)
        var a = Discriminator.Activations(batch: 2 * batch, hiddenUnits: units)
        discriminator.forward(input, into: &a, dropout: (key, rate))
        var logitGradient = Matrix(rows: 2 * batch, columns: 1)
        for r in 0..<(2 * batch) {
            let label: Float = r < batch ? 1 - smooth : 0
            logitGradient[r, 0] = (SigmoidCrossEntropy.sigmoid(a.logits[r, 0]) - label) / Float(batch)
        }
        var dHidden = Matrix(rows: 2 * batch, columns: units)
        discriminator.backward(input: input, activations: a, logitGradient: logitGradient, hiddenGradient: &dHidden, dropout: (key, rate))

        let x = Reference.matrix(input), mask = Reference.dropoutMask(rows: 2 * batch, columns: units, key: key, rate: rate)
        #expect(mask.joined().contains(0) && mask.joined().contains { $0 > 1 }, "the mask drops some units and keeps some")
        func dLoss(_ h: Reference.Weights, _ o: Reference.Weights) -> Double {
            let logits = Reference.discriminatorLogits(x, hidden: h, output: o, alpha: Double(alpha), mask: mask)
            return Reference.meanLoss(Array(logits[0..<batch]), label: Double(1 - smooth)) + Reference.meanLoss(Array(logits[batch...]), label: 0)
        }
        let h = Reference.weights(discriminator.hidden), o = Reference.weights(discriminator.output)
        for i in stride(from: 0, to: 784, by: 97) { for j in 0..<units {
            let numeric = Reference.derivative(at: h.w[i][j]) { v in var q = h; q.w[i][j] = v; return dLoss(q, o) }
            #expect(close(Double(discriminator.hidden.weightGradient[i, j]), numeric), "D hidden dW[\(i),\(j)]")
        } }
        for j in 0..<units {
            let nw = Reference.derivative(at: o.w[j][0]) { v in var q = o; q.w[j][0] = v; return dLoss(h, q) }
            #expect(close(Double(discriminator.output.weightGradient[j, 0]), nw), "D output dW[\(j)]")
            let nb = Reference.derivative(at: h.b[j]) { v in var q = h; q.b[j] = v; return dLoss(q, o) }
            #expect(close(Double(discriminator.hidden.biasGradient[0, j]), nb), "D hidden db[\(j)]")
        }
    }

    /// The generator's update sees D through a dropped-out hidden layer: the gradient at the image.
    @Test func imageGradientThroughDropoutMatchesFiniteDifferences() {
        let alpha: Float = 0.01, batch = 2, units = 8, rate: Float = 0.3, key: UInt64 = 17
        var rng = Xoshiro256StarStar(seed: 71)
        let discriminator = Discriminator(hiddenUnits: units, alpha: alpha, rng: &rng)
        let images = randomMatrix(rows: batch, columns: 784, seed: 72)
        var a = Discriminator.Activations(batch: batch, hiddenUnits: units)
        discriminator.forward(images, into: &a, dropout: (key, rate))
        let (_, logitGradient) = sigmoidLoss(a.logits, label: 1)
        var dHidden = Matrix(rows: batch, columns: units), dImage = Matrix(rows: batch, columns: 784)
        discriminator.inputGradient(activations: a, logitGradient: logitGradient, hiddenGradient: &dHidden, into: &dImage, dropout: (key, rate))

        let x = Reference.matrix(images), mask = Reference.dropoutMask(rows: batch, columns: units, key: key, rate: rate)
        let h = Reference.weights(discriminator.hidden), o = Reference.weights(discriminator.output)
        for r in 0..<batch { for p in stride(from: 0, to: 784, by: 41) {
            let numeric = Reference.derivative(at: x[r][p]) { v in
                var y = x
                y[r][p] = v
                return Reference.meanLoss(Reference.discriminatorLogits(y, hidden: h, output: o, alpha: Double(alpha), mask: mask), label: 1)
            }
            #expect(close(Double(dImage[r, p]), numeric), "dImage[\(r),\(p)]")
        } }
    }
}
