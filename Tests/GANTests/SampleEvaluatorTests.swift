import Foundation
import GAN
import Linalg
import MNIST
import Testing

/// The scores rank what they should on real data: the test split's two halves score
/// far better against each other than uniform noise or 1,000 copies of one digit.
@Suite struct SampleEvaluatorTests {
    @Test func realHalvesBeatNoiseAndASingleRepeatedDigit() throws {
        let classifier = try #require(Mnist5k.classifier, "mnist5k could not be loaded")
        let testImages = try Mnist5k.images(.test).images
        var all = Matrix(rows: testImages.count, columns: 784)
        testImages.fill(&all, indices: Array(0..<testImages.count)[...])
        // mnist5k's test split is ordered by class: interleave so each half has every digit.
        let evens = Array(stride(from: 0, to: testImages.count, by: 2)), odds = Array(stride(from: 1, to: testImages.count, by: 2))
        var first = Matrix(rows: evens.count, columns: 784), second = Matrix(rows: odds.count, columns: 784)
        testImages.fill(&first, indices: evens[...])
        testImages.fill(&second, indices: odds[...])

        let evaluator = SampleEvaluator(classifier: classifier, reference: first)
        let real = evaluator.scores(of: second)

        var rng = Xoshiro256StarStar(seed: 3)
        var noise = Matrix(rows: 1000, columns: 784)
        noise.storage.withUnsafeMutableBufferPointer { rng.fillSymmetricUniform($0) }
        let uniform = evaluator.scores(of: noise)

        var copies = Matrix(rows: 1000, columns: 784)
        for r in 0..<1000 { copies.copyRows(from: all.rows(0..<1), toRow: r) }
        let oneDigit = evaluator.scores(of: copies)

        #expect(real.fd * 10 < uniform.fd, "real halves fd \(real.fd), uniform noise \(uniform.fd)")
        #expect(real.fd * 5 < oneDigit.fd, "real halves fd \(real.fd), one digit \(oneDigit.fd)")
        #expect(real.inceptionScore > 8, "real halves inception score \(real.inceptionScore)")
        #expect(oneDigit.inceptionScore < 1.01 && oneDigit.largestClassShare == 1)
        #expect(real.largestClassShare < 0.15 && real.classCounts.reduce(0, +) == 500)
    }
}
