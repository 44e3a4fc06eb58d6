import GAN
import Linalg
import Testing

@Suite(.serialized) struct DeterminismTests {
    /// The models a resume must carry on exactly: the notebook's, the improved one
    /// (dropout masks drawn from the generator, the averaged generator), and conditional
    /// (fake digits drawn from the generator).
    enum Model: CaseIterable { case notebook, improved, conditional }

    static let digits = LabeledDigits.synthetic(count: 600, seed: 77)

    func run(epochs: Int, seed: UInt64, model: Model = .notebook) -> (GANTrainer, [EpochLosses]) {
        BLASThreads.set(1)
        var config = (model == .notebook ? ModelRecipe.notebook : .improved).applied(to: TrainingConfig())
        config.conditional = model == .conditional
        config.seed = seed
        config.epochs = epochs
        var trainer = GANTrainer(config: config)
        var records: [EpochLosses] = []
        for _ in 0..<epochs { records.append(trainer.trainEpoch(on: Self.digits.images, labels: Self.digits.labels)!) }
        return (trainer, records)
    }

    @Test func sameSeedGivesBitIdenticalLosses() {
        let a = run(epochs: 2, seed: 123).1.map { [$0.dLoss, $0.gLoss, $0.dRealMean, $0.dFakeMean] }
        let b = run(epochs: 2, seed: 123).1.map { [$0.dLoss, $0.gLoss, $0.dRealMean, $0.dFakeMean] }
        let c = run(epochs: 2, seed: 124).1.map { [$0.dLoss, $0.gLoss, $0.dRealMean, $0.dFakeMean] }
        #expect(a == b)
        #expect(a != c)
    }

    @Test(arguments: Model.allCases)
    func resumedRunEndsWithTheSameWeights(model: Model) throws {
        let (straight, straightRecords) = run(epochs: 3, seed: 9, model: model)
        let (partial, _) = run(epochs: 1, seed: 9, model: model)
        // Through the on-disk format, as a restart would.
        var resumed = try Checkpoint.decodeMLP(Checkpoint.encode(partial)).trainer
        resumed.extend(toEpochs: straight.config.epochs)
        var later: [EpochLosses] = []
        while resumed.epochsCompleted < 3 { later.append(resumed.trainEpoch(on: Self.digits.images, labels: Self.digits.labels)!) }
        #expect(resumed.generator == straight.generator)
        #expect(resumed.discriminator == straight.discriminator)
        #expect(resumed.rng == straight.rng)
        #expect(resumed.averagedGenerator == straight.averagedGenerator && (model == .notebook) == (straight.averagedGenerator == nil))
        #expect(later.map(\.gLoss) == straightRecords[1...].map(\.gLoss))
    }

    @Test(arguments: Model.allCases)
    func interruptedEpochLeavesTheTrainerUntouched(model: Model) {
        var (trainer, _) = run(epochs: 1, seed: 5, model: model)
        let before = Checkpoint.encode(trainer)
        var steps = 0
        let record = trainer.trainEpoch(on: Self.digits.images, labels: Self.digits.labels, shouldStop: { steps += 1; return steps > 3 })
        #expect(record == nil)
        #expect(Checkpoint.encode(trainer) == before)
    }
}
