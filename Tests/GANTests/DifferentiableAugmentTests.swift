import Foundation
@testable import GAN
import Layers
import Linalg
import GantryTestSupport
import Testing

/// DiffAugment's transforms: the policy as `d_augment` spells it, each transform's
/// gradient as its adjoint and through D by finite differences, translation and cutout
/// against an independent numpy version, and the draws' ranges.
@Suite struct DifferentiableAugmentTests {
    typealias Draw = DifferentiableAugment.Draw

    static func policy(_ text: String) -> AugmentPolicy { try! AugmentPolicy(parsing: text) }

    /// Fixed parameters for three images: shifts at the limits and none, cutouts in a
    /// corner (mostly off the image), the middle and on an edge.
    static let draws = [
        Draw(brightness: 0.3, contrast: 1.4, rowShift: 2, columnShift: -3, cutoutRow: 0, cutoutColumn: 28),
        Draw(brightness: -0.5, contrast: 0.5, rowShift: -3, columnShift: 0, cutoutRow: 14, cutoutColumn: 5),
        Draw(brightness: 0.1, contrast: 1, rowShift: 0, columnShift: 3, cutoutRow: 27, cutoutColumn: 13),
    ]

    static func random(rows: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256StarStar(seed: seed)
        return Matrix(rows: rows, columns: 784, storage: (0..<(rows * 784)).map { _ in rng.nextSymmetricUniform() })
    }

    static func dot(_ a: Matrix, _ b: Matrix) -> Double {
        zip(a.storage, b.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    // MARK: the policy

    @Test func aPolicyIsASetWrittenInTheOrderItApplies() throws {
        let p = try AugmentPolicy(parsing: "translation,cutout")
        #expect(p.transforms == [.translation, .cutout] && p.description == "translation,cutout" && !p.isOff)
        #expect(try AugmentPolicy(parsing: " cutout , translation ") == p)
        let all = try AugmentPolicy(parsing: "cutout,contrast,translation,brightness")
        #expect(all.transforms == [.brightness, .contrast, .translation, .cutout])
        #expect(all.description == "brightness,contrast,translation,cutout")
        for off in ["", "none", "  ", " none "] { #expect(try AugmentPolicy(parsing: off) == .off, "\(off)") }
        #expect(AugmentPolicy.off.description == "" && AugmentPolicy.off.isOff)
        // The checkpoint's bits and the job's JSON give the policy back.
        for policy in [AugmentPolicy.off, p, all, Self.policy("contrast")] {
            #expect(AugmentPolicy(bits: policy.bits) == policy)
            #expect(try JSONDecoder().decode(AugmentPolicy.self, from: JSONEncoder().encode(policy)) == policy)
        }
        #expect(p.bits == 0b1100 && AugmentPolicy(bits: 16) == nil)
    }

    @Test(arguments: [("flip", "\"flip\""), ("translation,flip", "\"flip\""), ("Translation", "\"Translation\""),
                      ("translation,,cutout", "empty"), ("cutout,", "empty"), ("cutout,cutout", "twice"),
                      ("none,cutout", "\"none\"")])
    func anUnknownOrRepeatedNameIsRefused(text: String, problem: String) {
        #expect {
            try AugmentPolicy(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("d_augment ") && message.contains(problem) && message.contains("brightness, contrast, translation, cutout")
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AugmentPolicy.self, from: Data(#""\#(text)""#.utf8)) }
    }

    // MARK: the transforms

    /// T is affine, T x = A x + T 0, and the gradient is Aᵀ: ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ for
    /// each transform alone and for all four composed, with fixed draws.
    @Test(arguments: ["brightness", "contrast", "translation", "cutout", "brightness,contrast,translation,cutout", "translation,cutout"])
    func theGradientIsTheAdjoint(policy: String) {
        let t = DifferentiableAugment(policy: Self.policy(policy), draws: Self.draws)
        let x = Self.random(rows: 3, seed: 1), y = Self.random(rows: 3, seed: 2)
        let offset = t.forward(Matrix(rows: 3, columns: 784))
        var ax = t.forward(x)
        for i in ax.storage.indices { ax.storage[i] -= offset.storage[i] }
        let left = Self.dot(ax, y), right = Self.dot(x, t.adjoint(y))
        #expect(abs(left - right) <= 1e-5 * max(1, abs(left)), "⟨A x, y⟩ \(left), ⟨x, Aᵀ y⟩ \(right)")
        // And A is linear: A(2x) = 2 A x, so the check above is about a linear map.
        var twice = x
        for i in twice.storage.indices { twice.storage[i] *= 2 }
        let a2x = t.forward(twice)
        let worst = zip(a2x.storage, zip(ax.storage, offset.storage)).map { abs($0 - (2 * $1.0 + $1.1)) }.max()!
        #expect(worst < 1e-5)
    }

    @Test func whatMovesInAndWhatIsCutOutIsTheBackground() {
        let ink = Matrix(rows: 3, columns: 784, repeating: 1)
        let shifted = DifferentiableAugment(policy: Self.policy("translation"), draws: Self.draws).forward(ink)
        // Image 0 moves down 2 and left 3: rows 0–1 and columns 25–27 are background.
        let image0 = Array(shifted.storage[0..<784])
        #expect((0..<784).allSatisfy { p in image0[p] == ((p / 28 < 2 || p % 28 >= 25) ? -1 : 1) })
        let cut = DifferentiableAugment(policy: Self.policy("cutout"), draws: Self.draws).forward(ink)
        // Image 1's square: rows 7..<21, columns 0..<12 (its centre column is 5).
        let image1 = Array(cut.storage[784..<1568])
        #expect((0..<784).allSatisfy { p in image1[p] == ((7..<21).contains(p / 28) && p % 28 < 12 ? -1 : 1) })
        // Image 0's centre (0, 28) leaves a 7×7 corner on the image.
        #expect(cut.storage[0..<784].filter { $0 == -1 }.count == 49)
        #expect(DifferentiableAugment(policy: .off, draws: Self.draws).forward(ink) == ink)
    }

    /// D's input gradient taken back through T against central differences of
    /// Σ probe ⊙ D(T(x)): what G's update receives.
    @Test(arguments: [false, true])
    func theGradientThroughTMatchesFiniteDifferences(conditional: Bool) {
        let (_, architecture) = DCGANTests.small(conditional: conditional)
        var rng = Xoshiro256StarStar(seed: 4)
        let discriminator = architecture.makeDiscriminator(rng: &rng)
        let t = DifferentiableAugment(policy: Self.policy("brightness,contrast,translation,cutout"), draws: Self.draws)
        let labels = [3, 7, 0]
        func input(_ images: Matrix) -> Matrix {
            let augmented = t.forward(images)
            return conditional ? LabelInput.appending(labels, classes: 10, to: augmented) : augmented
        }
        let x = DCGANTests.random(rows: 3, columns: 784, seed: 5)
        let probe = DCGANTests.random(rows: 3, columns: 1, seed: 6)
        let (_, cache) = discriminator.forward(input(x))
        let gradient = discriminator.backward(probe, cache: cache, parameterGradients: false).inputGradient
        let analytic = t.adjoint(LabelInput.leadingColumns(of: gradient, count: 784))
        let h: Float = 3e-3
        var worst = 0.0, checked = 0, skipped = 0
        for i in stride(from: 0, to: x.count, by: 5) {
            var up = x, down = x
            up.storage[i] += h
            down.storage[i] -= h
            // A step that carries a rectifier's input across zero measures no derivative.
            guard DCGANTests.signs(discriminator, input(up)) == DCGANTests.signs(discriminator, input(down)) else {
                skipped += 1
                continue
            }
            checked += 1
            let numeric = (DCGANTests.loss(discriminator, input(up), probe) - DCGANTests.loss(discriminator, input(down), probe)) / (2 * Double(h))
            worst = max(worst, abs(Double(analytic.storage[i]) - numeric) / max(2e-2, abs(numeric)))
        }
        #expect(worst < 1e-2 && Double(skipped) / Double(checked + skipped) < 0.15, "worst relative error \(worst), \(skipped) skipped of \(checked + skipped)")
    }

    /// numpy shifts by slicing an image padded with -1 and cuts out with DiffAugment's
    /// clamped index grid; translation, cutout and the two composed must match exactly,
    /// and all four transforms composed to float rounding.
    @Test func translationAndCutoutMatchNumpy() throws {
        let x = Self.random(rows: 3, seed: 9)
        let python = try PythonReference("augment-numpy")
        defer { python.remove() }
        let parameters = Self.draws.flatMap { [Float($0.rowShift), Float($0.columnShift), Float($0.cutoutRow), Float($0.cutoutColumn), $0.brightness, $0.contrast] }
        for (name, values) in [("x", x.storage), ("p", parameters)] {
            try python.write(name, values)
        }
        let script = """
            import numpy as np, sys
            d = sys.argv[1]
            x = np.loadtxt(d + "/x.txt", dtype=np.float32).reshape(3, 28, 28)
            p = np.loadtxt(d + "/p.txt", dtype=np.float64).reshape(3, 6)
            def translate(x):
                pad = np.pad(x, ((0, 0), (3, 3), (3, 3)), constant_values=-1)
                return np.stack([pad[n, 3 - int(p[n, 0]):31 - int(p[n, 0]), 3 - int(p[n, 1]):31 - int(p[n, 1])] for n in range(3)])
            def cutout(x):
                mask = np.ones((3, 28, 28), dtype=bool)
                for n in range(3):
                    rows = np.clip(np.arange(14) + int(p[n, 2]) - 7, 0, 27)
                    cols = np.clip(np.arange(14) + int(p[n, 3]) - 7, 0, 27)
                    mask[n][np.ix_(rows, cols)] = False
                return np.where(mask, x, np.float32(-1))
            def color(x):
                b = p[:, 4].astype(np.float32).reshape(3, 1, 1); s = p[:, 5].astype(np.float32).reshape(3, 1, 1)
                x = x + b
                m = x.astype(np.float64).mean(axis=(1, 2), keepdims=True).astype(np.float32)
                return (x - m) * s + m
            out = [translate(x), cutout(x), cutout(translate(x)), cutout(translate(color(x)))]
            print(" ".join("%.9e" % v for v in np.concatenate([o.ravel() for o in out])))
            """
        let (status, text) = try python.run(script)
        let reference = PythonReference.numbers(text).map { Float($0) }
        try #require(status == 0 && reference.count == 4 * 3 * 784,
                     "python3 with numpy (scripts/setup installs it) printed \(text.prefix(200))")
        func mine(_ policy: String) -> [Float] { DifferentiableAugment(policy: Self.policy(policy), draws: Self.draws).forward(x).storage }
        let n = 3 * 784
        #expect(mine("translation") == Array(reference[0..<n]))
        #expect(mine("cutout") == Array(reference[n..<(2 * n)]))
        #expect(mine("translation,cutout") == Array(reference[(2 * n)..<(3 * n)]))
        let worst = zip(mine("brightness,contrast,translation,cutout"), reference[(3 * n)...]).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-6, "largest difference from numpy: \(worst)")
    }

    // MARK: the draws

    @Test func theDrawsCoverDiffAugmentsRangesAndOnlyThePolicysTransforms() {
        var rng = Xoshiro256StarStar(seed: 3)
        let all = DifferentiableAugment(policy: Self.policy("brightness,contrast,translation,cutout"), count: 3_000, rng: &rng)
        #expect(all.draws.allSatisfy { (-0.5..<0.5).contains($0.brightness) && (0.5..<1.5).contains($0.contrast) })
        #expect(Set(all.draws.map(\.rowShift)) == Set(-3...3) && Set(all.draws.map(\.columnShift)) == Set(-3...3))
        #expect(Set(all.draws.map(\.cutoutRow)) == Set(0...28) && Set(all.draws.map(\.cutoutColumn)) == Set(0...28))
        // A transform left out keeps its identity and takes nothing from the generator.
        var a = Xoshiro256StarStar(seed: 8), b = a
        let cutout = DifferentiableAugment(policy: Self.policy("cutout"), count: 5, rng: &a)
        #expect(cutout.draws.allSatisfy { $0.brightness == 0 && $0.contrast == 1 && $0.rowShift == 0 && $0.columnShift == 0 })
        var centres: [Int] = []
        for _ in 0..<5 {
            centres.append(b.nextIndex(below: 29))
            centres.append(b.nextIndex(below: 29))
        }
        #expect(cutout.draws.flatMap { [$0.cutoutRow, $0.cutoutColumn] } == centres && a == b)
        var c = Xoshiro256StarStar(seed: 8)
        _ = DifferentiableAugment(policy: .off, count: 5, rng: &c)
        #expect(c == Xoshiro256StarStar(seed: 8))
    }
}
