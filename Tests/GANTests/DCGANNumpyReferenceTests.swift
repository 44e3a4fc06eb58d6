import Foundation
import GAN
import Layers
import Linalg
import GantryTestSupport
import Testing

/// The dcgan's two networks, whole, against numpy computing the `nn.Sequential`s that
/// DCGANArchitecture documents from PyTorch's definitions (NCHW tensors, PyTorch's
/// weight layouts, training-mode BatchNorm): what finite differences cannot catch,
/// that the layers' channels-last order and the reshapes between it and the dense
/// layers compute PyTorch's network with PyTorch's weights, not merely some network.
@Suite struct DCGANNumpyReferenceTests {
    static let script = """
        import numpy as np, sys
        d = sys.argv[1]
        L = lambda n: np.loadtxt(d + "/" + n + ".txt", dtype=np.float64, ndmin=1)
        N, Z, C, D = 3, 3, 4, 2
        def conv(x, w, b, s=2, p=1):
            n, ci, h, wd = x.shape; co, _, k, _ = w.shape
            oh, ow = (h + 2 * p - k) // s + 1, (wd + 2 * p - k) // s + 1
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            y = np.zeros((n, co, oh, ow)) + b.reshape(1, co, 1, 1)
            for ky in range(k):
                for kx in range(k):
                    patch = xp[:, :, ky:ky + s * oh:s, kx:kx + s * ow:s]
                    y += np.einsum("nchw,oc->nohw", patch, w[:, :, ky, kx])
            return y
        def convT(x, w, b, s=2, p=1):
            n, ci, h, wd = x.shape; _, co, k, _ = w.shape
            oh, ow = (h - 1) * s - 2 * p + k, (wd - 1) * s - 2 * p + k
            y = np.zeros((n, co, oh + 2 * p, ow + 2 * p))
            for ky in range(k):
                for kx in range(k):
                    y[:, :, ky:ky + s * h:s, kx:kx + s * wd:s] += np.einsum("nchw,co->nohw", x, w[:, :, ky, kx])
            return y[:, :, p:p + oh, p:p + ow] + b.reshape(1, co, 1, 1)
        def bn(x, g, b):
            m = x.mean((0, 2, 3), keepdims=True); v = x.var((0, 2, 3), keepdims=True)
            return (x - m) / np.sqrt(v + 1e-5) * g.reshape(1, -1, 1, 1) + b.reshape(1, -1, 1, 1)
        lrelu = lambda x: np.where(x < 0, 0.2 * x, x)
        z = L("z").reshape(N, Z)
        h = z @ L("g0w").reshape(C * 49, Z).T + L("g0b")
        h = np.maximum(bn(h.reshape(N, C, 7, 7), L("g2w"), L("g2b")), 0)
        h = np.maximum(bn(convT(h, L("g4w").reshape(C, C // 2, 4, 4), L("g4b")), L("g5w"), L("g5b")), 0)
        image = np.tanh(convT(h, L("g7w").reshape(C // 2, 1, 4, 4), L("g7b")))
        x = L("x").reshape(N, 1, 28, 28)
        h = lrelu(conv(x, L("d0w").reshape(D, 1, 4, 4), L("d0b")))
        h = lrelu(bn(conv(h, L("d2w").reshape(2 * D, D, 4, 4), L("d2b")), L("d3w"), L("d3b")))
        logit = h.reshape(N, -1) @ L("d6w").reshape(1, 2 * D * 49).T + L("d6b")
        print(" ".join("%.9e" % v for v in np.concatenate([image.ravel(), logit.ravel()])))
        """

    @Test func generatorAndDiscriminatorMatchNumpy() throws {
        var config = TrainingConfig()
        config.zSize = 3
        config.gChannels = 4
        config.dChannels = 2
        config.alpha = 0.2
        let architecture = DCGANArchitecture(config)
        var rng = Xoshiro256StarStar(seed: 41)
        let generator = architecture.makeGenerator(rng: &rng), discriminator = architecture.makeDiscriminator(rng: &rng)
        let z = DCGANTests.random(rows: 3, columns: 3, seed: 42), x = DCGANTests.random(rows: 3, columns: 784, seed: 43)
        let python = try PythonReference("dcgan-numpy")
        defer { python.remove() }
        var tensors = [("z", z), ("x", x)]
        // Weights drawn away from BatchNorm's 1 and 0, so its affine part is checked too.
        var perturbed = generator
        perturbed.setParameters(perturbed.parameters.enumerated().map { slot, p in
            Matrix(rows: p.value.rows, columns: p.value.columns, storage: p.value.storage.enumerated().map { i, v in v + 0.1 * Float((i + slot) % 5) - 0.2 })
        })
        tensors += perturbed.parameters.map { ("g" + $0.name.replacingOccurrences(of: ".weight", with: "w").replacingOccurrences(of: ".bias", with: "b"), $0.value) }
        tensors += discriminator.parameters.map { ("d" + $0.name.replacingOccurrences(of: ".weight", with: "w").replacingOccurrences(of: ".bias", with: "b"), $0.value) }
        for (name, m) in tensors { try python.write(name, m.storage) }
        let (status, text) = try python.run(Self.script)
        let reference = PythonReference.numbers(text)
        try #require(status == 0 && reference.count == 3 * 784 + 3,
                     "python3 with numpy (scripts/setup installs it) printed \(text.prefix(200))")
        let images = perturbed.forward(z).output.storage, logits = discriminator.forward(x).output.storage
        let imageError = zip(images, reference[..<(3 * 784)]).map { abs(Double($0) - $1) }.max() ?? .infinity
        let logitError = zip(logits, reference[(3 * 784)...]).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(imageError < 1e-5, "G's images differ from numpy's by up to \(imageError)")
        #expect(logitError < 1e-4, "D's logits differ from numpy's by up to \(logitError)")
    }
}
