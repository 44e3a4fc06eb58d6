import Layers
import Linalg
import Testing

@Suite struct SequentialTests {
    static func network(seed: UInt64) -> Sequential {
        var rng = Xoshiro256StarStar(seed: seed)
        let geometry = ConvolutionGeometry(kernel: 4, stride: 2, padding: 1)
        let down = Conv2D(input: TensorShape(channels: 1, height: 6, width: 6), outChannels: 3, geometry: geometry, rng: &rng)
        let up = ConvTranspose2D(input: down.outputShape, outChannels: 1, geometry: geometry, rng: &rng)
        return Sequential([
            AnyLayer(down), AnyLayer(Activation(.tanh, shape: down.outputShape)),
            AnyLayer(up), AnyLayer(Activation(.sigmoid, shape: up.outputShape)),
        ])
    }

    @Test func parametersAreNamedByPositionAsPyTorchsStateDict() {
        let net = Self.network(seed: 1)
        #expect(net.parameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(net.inputShape == TensorShape(channels: 1, height: 6, width: 6) && net.outputShape == net.inputShape)
    }

    /// Through the chain rule of four layers, smooth activations so that central
    /// differences meet no kink.
    @Test func gradientsThroughTheChainMatchFiniteDifferences() {
        let net = Self.network(seed: 2)
        let input = FiniteDifference.random(rows: 2, columns: net.inputShape.count, seed: 9)
        let worst = FiniteDifference.worstRelativeError(net, input: input, seed: 10, h: 1e-2)
        #expect(worst < 5e-3, "worst relative error \(worst)")
    }

    @Test func setParametersRoundTrips() {
        var net = Self.network(seed: 3)
        let other = Self.network(seed: 4)
        net.setParameters(other.parameters.map(\.value))
        let input = FiniteDifference.random(rows: 1, columns: net.inputShape.count, seed: 5)
        #expect(net.forward(input).output == other.forward(input).output)
    }

    @Test func rectifiersPassOrScaleBySign() {
        let shape = TensorShape.vector(4)
        let x = Matrix(rows: 1, columns: 4, storage: [-2, -0.5, 0.5, 3])
        let ones = Matrix(rows: 1, columns: 4, repeating: 1)
        let leaky = Activation(.leakyReLU(slope: 0.2), shape: shape)
        let (y, cache) = leaky.forward(x)
        #expect(y.storage == [-0.4, -0.1, 0.5, 3])
        #expect(leaky.backward(ones, cache: cache, parameterGradients: true).inputGradient.storage == [0.2, 0.2, 1, 1])
        let relu = Activation(.relu, shape: shape)
        let (r, rc) = relu.forward(x)
        #expect(r.storage == [0, 0, 0.5, 3])
        #expect(relu.backward(ones, cache: rc, parameterGradients: true).inputGradient.storage == [0, 0, 1, 1])
    }
}
