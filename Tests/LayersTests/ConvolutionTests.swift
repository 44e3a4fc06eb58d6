import Foundation
import Layers
import Linalg
import GantryTestSupport
import Testing

/// The convolutions against finite differences and against an independent numpy
/// implementation (direct loops over the definition, no im2col), on DCGAN's shapes.
@Suite struct ConvolutionTests {
    static let dcgan = ConvolutionGeometry(kernel: 4, stride: 2, padding: 1)

    @Test func shapesFollowPyTorchsFormulas() {
        var rng = Xoshiro256StarStar(seed: 1)
        let down = Conv2D(input: TensorShape(channels: 1, height: 28, width: 28), outChannels: 8, geometry: Self.dcgan, rng: &rng)
        #expect(down.outputShape == TensorShape(channels: 8, height: 14, width: 14))
        let down2 = Conv2D(input: down.outputShape, outChannels: 16, geometry: Self.dcgan, rng: &rng)
        #expect(down2.outputShape == TensorShape(channels: 16, height: 7, width: 7))
        let up = ConvTranspose2D(input: down2.outputShape, outChannels: 8, geometry: Self.dcgan, rng: &rng)
        #expect(up.outputShape == TensorShape(channels: 8, height: 14, width: 14))
        let up2 = ConvTranspose2D(input: up.outputShape, outChannels: 1, geometry: Self.dcgan, rng: &rng)
        #expect(up2.outputShape == TensorShape(channels: 1, height: 28, width: 28))
        let same = Conv2D(input: TensorShape(channels: 3, height: 5, width: 6), outChannels: 2, geometry: ConvolutionGeometry(kernel: 3, padding: 1), rng: &rng)
        #expect(same.outputShape == TensorShape(channels: 2, height: 5, width: 6))
    }

    @Test(arguments: [(1, 2, 4, 2, 1, 6), (2, 3, 3, 1, 1, 5), (3, 2, 3, 2, 0, 7)])
    func conv2DGradientsMatchFiniteDifferences(inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, side: Int) {
        var rng = Xoshiro256StarStar(seed: 7)
        let layer = Conv2D(input: TensorShape(channels: inChannels, height: side, width: side), outChannels: outChannels,
                           geometry: ConvolutionGeometry(kernel: kernel, stride: stride, padding: padding), rng: &rng)
        let input = FiniteDifference.random(rows: 2, columns: layer.inputShape.count, seed: 3)
        let worst = FiniteDifference.worstRelativeError(layer, input: input, seed: 11)
        #expect(worst < 2e-3, "worst relative error \(worst)")
    }

    @Test(arguments: [(2, 1, 4, 2, 1, 3), (3, 2, 3, 1, 1, 4), (2, 3, 3, 2, 0, 3)])
    func convTransposeGradientsMatchFiniteDifferences(inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, side: Int) {
        var rng = Xoshiro256StarStar(seed: 8)
        let layer = ConvTranspose2D(input: TensorShape(channels: inChannels, height: side, width: side), outChannels: outChannels,
                                    geometry: ConvolutionGeometry(kernel: kernel, stride: stride, padding: padding), rng: &rng)
        let input = FiniteDifference.random(rows: 2, columns: layer.inputShape.count, seed: 4)
        let worst = FiniteDifference.worstRelativeError(layer, input: input, seed: 12)
        #expect(worst < 2e-3, "worst relative error \(worst)")
    }

    @Test func parameterGradientsCanBeSkipped() {
        var rng = Xoshiro256StarStar(seed: 2)
        let layer = Conv2D(input: TensorShape(channels: 2, height: 6, width: 6), outChannels: 3, geometry: Self.dcgan, rng: &rng)
        let input = FiniteDifference.random(rows: 3, columns: layer.inputShape.count, seed: 5)
        let (output, cache) = layer.forward(input)
        let probe = FiniteDifference.random(rows: 3, columns: output.columns, seed: 6)
        let skipped = layer.backward(probe, cache: cache, parameterGradients: false)
        let full = layer.backward(probe, cache: cache, parameterGradients: true)
        #expect(skipped.parameterGradients.isEmpty && full.parameterGradients.count == 2)
        #expect(skipped.inputGradient == full.inputGradient)
    }

    /// numpy computes both layers from their definitions, on DCGAN's k4 s2 p1 geometry:
    /// Conv2d 2→3 over 8×8 and ConvTranspose2d 3→2 from 4×4, batch 2.
    @Test func forwardMatchesNumpysDirectLoops() throws {
        var rng = Xoshiro256StarStar(seed: 21)
        let conv = Conv2D(input: TensorShape(channels: 2, height: 8, width: 8), outChannels: 3, geometry: Self.dcgan, rng: &rng)
        let transpose = ConvTranspose2D(input: TensorShape(channels: 3, height: 4, width: 4), outChannels: 2, geometry: Self.dcgan, rng: &rng)
        let x = FiniteDifference.random(rows: 2, columns: conv.inputShape.count, seed: 31)
        let z = FiniteDifference.random(rows: 2, columns: transpose.inputShape.count, seed: 32)
        let python = try PythonReference("layers-numpy")
        defer { python.remove() }
        for (name, m) in [("x", x), ("cw", conv.weight), ("cb", conv.bias), ("z", z), ("tw", transpose.weight), ("tb", transpose.bias)] {
            try python.write(name, m.storage)
        }
        let script = """
            import numpy as np, sys
            d = sys.argv[1]
            L = lambda n: np.loadtxt(d + "/" + n + ".txt", dtype=np.float64)
            k, s, p = 4, 2, 1
            # The layers hold images channels-last (n, y, x, c); the weights are PyTorch's.
            x = L("x").reshape(2, 8, 8, 2).transpose(0, 3, 1, 2); cw = L("cw").reshape(3, 2, k, k); cb = L("cb")
            y = np.zeros((2, 3, 4, 4))
            for n in range(2):
                for o in range(3):
                    for oy in range(4):
                        for ox in range(4):
                            acc = cb[o]
                            for c in range(2):
                                for ky in range(k):
                                    for kx in range(k):
                                        iy, ix = oy * s - p + ky, ox * s - p + kx
                                        if 0 <= iy < 8 and 0 <= ix < 8: acc += cw[o, c, ky, kx] * x[n, c, iy, ix]
                            y[n, o, oy, ox] = acc
            z = L("z").reshape(2, 4, 4, 3).transpose(0, 3, 1, 2); tw = L("tw").reshape(3, 2, k, k); tb = L("tb")
            t = np.zeros((2, 2, 8, 8)) + tb.reshape(1, 2, 1, 1)
            for n in range(2):
                for c in range(3):
                    for iy in range(4):
                        for ix in range(4):
                            for o in range(2):
                                for ky in range(k):
                                    for kx in range(k):
                                        oy, ox = iy * s - p + ky, ix * s - p + kx
                                        if 0 <= oy < 8 and 0 <= ox < 8: t[n, o, oy, ox] += tw[c, o, ky, kx] * z[n, c, iy, ix]
            print(" ".join("%.9e" % v for v in np.concatenate([y.transpose(0, 2, 3, 1).ravel(), t.transpose(0, 2, 3, 1).ravel()])))
            """
        let (status, text) = try python.run(script)
        let reference = PythonReference.numbers(text)
        try #require(status == 0 && reference.count == 2 * 3 * 16 + 2 * 2 * 64,
                     "python3 with numpy (scripts/setup installs it) printed \(text.prefix(200))")
        let mine = conv.forward(x).output.storage + transpose.forward(z).output.storage
        let worst = zip(mine, reference).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst < 1e-5, "largest difference from numpy: \(worst)")
    }
}
