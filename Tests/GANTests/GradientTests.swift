import Foundation
import Linalg
import Testing
import GAN

/// Analytic gradients of the Float implementation against central finite differences
/// of an independent Double forward pass.
@Suite struct GradientTests {
    @Test func denseGradientsMatchFiniteDifferences() {
        var rng = Xoshiro256StarStar(seed: 11)
        var layer = Dense(inputs: 7, outputs: 5, rng: &rng)
        layer.bias = randomMatrix(rows: 1, columns: 5, scale: 0.3, seed: 12)
        let x = randomMatrix(rows: 4, columns: 7, seed: 13)
        let c = randomMatrix(rows: 4, columns: 5, seed: 14) // L = Σ c ⊙ (xW + b)
        layer.accumulateGradients(input: x, outputGradient: c)
        var dx = Matrix(rows: 4, columns: 7)
        layer.inputGradient(c, into: &dx)

        let cd = Reference.matrix(c)
        func loss(_ x: [[Double]], _ p: Reference.Weights) -> Double {
            let y = Reference.dense(x, p)
            return zip(y, cd).map { zip($0, $1).map(*).reduce(0, +) }.reduce(0, +)
        }
        let p = Reference.weights(layer), xd = Reference.matrix(x)
        for i in 0..<7 { for o in 0..<5 {
            let numeric = Reference.derivative(at: p.w[i][o]) { v in var q = p; q.w[i][o] = v; return loss(xd, q) }
            #expect(close(Double(layer.weightGradient[i, o]), numeric), "dW[\(i),\(o)]")
        } }
        for o in 0..<5 {
            let numeric = Reference.derivative(at: p.b[o]) { v in var q = p; q.b[o] = v; return loss(xd, q) }
            #expect(close(Double(layer.biasGradient[0, o]), numeric), "db[\(o)]")
        }
        for r in 0..<4 { for i in 0..<7 {
            let numeric = Reference.derivative(at: xd[r][i]) { v in var y = xd; y[r][i] = v; return loss(y, p) }
            #expect(close(Double(dx[r, i]), numeric), "dx[\(r),\(i)]")
        } }
    }

    @Test func leakyReLUBackwardMatchesFiniteDifferences() {
        let alpha: Float = 0.2
        var h = randomMatrix(rows: 3, columns: 6, seed: 21)
        var a = Matrix(rows: 3, columns: 6)
        let bias = randomMatrix(rows: 1, columns: 6, scale: 0.1, seed: 22)
        Activation.addBiasLeakyReLU(&h, bias: bias, alpha: alpha, into: &a)
        var g = Matrix(rows: 3, columns: 6, repeating: 1)
        Activation.leakyReLUBackward(&g, preActivation: h, alpha: alpha)
        for i in 0..<h.count {
            let x = Double(h.storage[i])
            #expect(Float(Reference.leaky([[x]], Double(alpha))[0][0]) == a.storage[i])
            guard abs(x) > 1e-3 else { continue } // the kink has no derivative
            let numeric = Reference.derivative(at: x) { Reference.leaky([[$0]], Double(alpha))[0][0] }
            #expect(close(Double(g.storage[i]), numeric))
        }
    }

    @Test func tanhMatchesLibmAndItsBackwardMatchesFiniteDifferences() {
        var worst: Double = 0
        var x: Float = -12
        while x <= 12 {
            worst = max(worst, abs(Double(Elementwise.fastTanh(x)) - tanh(Double(x))))
            x += 0.0007
        }
        #expect(worst < 2e-6, "fast tanh differs from tanh by up to \(worst)")
        #expect(Elementwise.fastTanh(0) == 0)
        #expect(Elementwise.fastTanh(100) <= 1 && Elementwise.fastTanh(-100) >= -1)

        let o = randomMatrix(rows: 2, columns: 784, scale: 3, seed: 31)
        let zero = Matrix(rows: 1, columns: 784)
        var out = Matrix(rows: 2, columns: 784)
        Activation.addBiasTanh(o, bias: zero, into: &out)
        var g = Matrix(rows: 2, columns: 784, repeating: 1)
        Activation.tanhBackward(&g, output: out)
        for i in stride(from: 0, to: o.count, by: 37) {
            let numeric = Reference.derivative(at: Double(o.storage[i])) { tanh($0) }
            #expect(close(Double(g.storage[i]), numeric, tolerance: 1e-3, floor: 1e-5))
        }
    }

    @Test func lossGradientMatchesFiniteDifferences() {
        let logits: [Float] = [-7, -2.5, -0.3, 0, 0.4, 1.7, 6]
        for label: Float in [0, 0.9, 1] {
            let (loss, gradient) = sigmoidLoss(Matrix(rows: logits.count, columns: 1, storage: logits), label: label)
            let ld = logits.map(Double.init)
            #expect(close(Double(loss), Reference.meanLoss(ld, label: Double(label)), tolerance: 1e-6))
            for i in logits.indices {
                let numeric = Reference.derivative(at: ld[i]) { v in var y = ld; y[i] = v; return Reference.meanLoss(y, label: Double(label)) }
                #expect(close(Double(gradient[i, 0]), numeric))
            }
        }
    }

    /// The generator's gradient flows through the discriminator: check every layer of that path.
    @Test func generatorPathThroughDiscriminatorMatchesFiniteDifferences() {
        let alpha: Float = 0.01, batch = 3, z = 5
        var rng = Xoshiro256StarStar(seed: 41)
        var generator = Generator(zSize: z, hiddenUnits: 6, alpha: alpha, rng: &rng)
        let discriminator = Discriminator(hiddenUnits: 4, alpha: alpha, rng: &rng)
        generator.hidden.bias = randomMatrix(rows: 1, columns: 6, scale: 0.1, seed: 42)
        let noise = randomMatrix(rows: batch, columns: z, seed: 43)

        var ga = Generator.Activations(batch: batch, hiddenUnits: 6)
        generator.forward(noise: noise, into: &ga)
        var da = Discriminator.Activations(batch: batch, hiddenUnits: 4)
        discriminator.forward(ga.image, into: &da)
        let (loss, logitGradient) = sigmoidLoss(da.logits, label: 1)
        var dHidden = Matrix(rows: batch, columns: 4), dImage = Matrix(rows: batch, columns: 784), gHidden = Matrix(rows: batch, columns: 6)
        discriminator.inputGradient(activations: da, logitGradient: logitGradient, hiddenGradient: &dHidden, into: &dImage)
        generator.backward(noise: noise, activations: ga, imageGradient: &dImage, hiddenGradient: &gHidden)

        let zd = Reference.matrix(noise)
        let dh = Reference.weights(discriminator.hidden), dout = Reference.weights(discriminator.output)
        func gLoss(_ h: Reference.Weights, _ o: Reference.Weights) -> Double {
            let images = Reference.generator(zd, hidden: h, output: o, alpha: Double(alpha))
            return Reference.meanLoss(Reference.discriminatorLogits(images, hidden: dh, output: dout, alpha: Double(alpha)), label: 1)
        }
        let h = Reference.weights(generator.hidden), o = Reference.weights(generator.output)
        #expect(close(Double(loss), gLoss(h, o), tolerance: 1e-5))
        for i in 0..<z { for j in 0..<6 {
            let numeric = Reference.derivative(at: h.w[i][j]) { v in var q = h; q.w[i][j] = v; return gLoss(q, o) }
            #expect(close(Double(generator.hidden.weightGradient[i, j]), numeric), "G hidden dW[\(i),\(j)]")
        } }
        for j in 0..<6 {
            let numeric = Reference.derivative(at: h.b[j]) { v in var q = h; q.b[j] = v; return gLoss(q, o) }
            #expect(close(Double(generator.hidden.biasGradient[0, j]), numeric), "G hidden db[\(j)]")
        }
        for j in 0..<6 { for p in stride(from: 0, to: 784, by: 53) {
            let numeric = Reference.derivative(at: o.w[j][p]) { v in var q = o; q.w[j][p] = v; return gLoss(h, q) }
            #expect(close(Double(generator.output.weightGradient[j, p]), numeric), "G output dW[\(j),\(p)]")
        } }
        for p in stride(from: 0, to: 784, by: 29) {
            let numeric = Reference.derivative(at: o.b[p]) { v in var q = o; q.b[p] = v; return gLoss(h, q) }
            #expect(close(Double(generator.output.biasGradient[0, p]), numeric), "G output db[\(p)]")
        }
    }

    /// The discriminator's own update: real rows labelled 1 - smooth, fake rows 0.
    @Test func discriminatorGradientMatchesFiniteDifferences() {
        let alpha: Float = 0.01, smooth: Float = 0.1, batch = 2
        var rng = Xoshiro256StarStar(seed: 51)
        var discriminator = Discriminator(hiddenUnits: 3, alpha: alpha, rng: &rng)
        let input = randomMatrix(rows: 2 * batch, columns: 784, seed: 52)
        var a = Discriminator.Activations(batch: 2 * batch, hiddenUnits: 3)
        discriminator.forward(input, into: &a)
        var logitGradient = Matrix(rows: 2 * batch, columns: 1)
        for r in 0..<(2 * batch) {
            let label: Float = r < batch ? 1 - smooth : 0
            logitGradient[r, 0] = (SigmoidCrossEntropy.sigmoid(a.logits[r, 0]) - label) / Float(batch)
        }
        var dHidden = Matrix(rows: 2 * batch, columns: 3)
        discriminator.backward(input: input, activations: a, logitGradient: logitGradient, hiddenGradient: &dHidden)

        let x = Reference.matrix(input)
        func dLoss(_ h: Reference.Weights, _ o: Reference.Weights) -> Double {
            let logits = Reference.discriminatorLogits(x, hidden: h, output: o, alpha: Double(alpha))
            return Reference.meanLoss(Array(logits[0..<batch]), label: Double(1 - smooth))
                + Reference.meanLoss(Array(logits[batch...]), label: 0)
        }
        let h = Reference.weights(discriminator.hidden), o = Reference.weights(discriminator.output)
        for i in stride(from: 0, to: 784, by: 61) { for j in 0..<3 {
            let numeric = Reference.derivative(at: h.w[i][j]) { v in var q = h; q.w[i][j] = v; return dLoss(q, o) }
            #expect(close(Double(discriminator.hidden.weightGradient[i, j]), numeric), "D hidden dW[\(i),\(j)]")
        } }
        for j in 0..<3 {
            let nw = Reference.derivative(at: o.w[j][0]) { v in var q = o; q.w[j][0] = v; return dLoss(h, q) }
            #expect(close(Double(discriminator.output.weightGradient[j, 0]), nw), "D output dW[\(j)]")
            let nb = Reference.derivative(at: h.b[j]) { v in var q = h; q.b[j] = v; return dLoss(q, o) }
            #expect(close(Double(discriminator.hidden.biasGradient[0, j]), nb), "D hidden db[\(j)]")
        }
        let nb = Reference.derivative(at: o.b[0]) { v in var q = o; q.b[0] = v; return dLoss(h, q) }
        #expect(close(Double(discriminator.output.biasGradient[0, 0]), nb))
    }
}
