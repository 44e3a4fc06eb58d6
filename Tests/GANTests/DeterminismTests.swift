import GAN
import Linalg
import Testing

@Suite(.serialized) struct DeterminismTests {
    func run(epochs: Int, seed: UInt64, model: ModelRecipe = .notebook) -> (GANTrainer, [EpochLosses]) {
        BLASThreads.set(1)
        var config = model.applied(to: TrainingConfig())
        config.seed = seed
        config.epochs = epochs
        var trainer = GANTrainer(config: config)
        let images = TrainingImages.synthetic(count: 600, seed: 77)
        var records: [EpochLosses] = []
        for _ in 0..<epochs { records.append(trainer.trainEpoch(on: images)!) }
        return (trainer, records)
    }

    @Test func sameSeedGivesBitIdenticalLosses() {
        let a = run(epochs: 2, seed: 123).1.map { [$0.dLoss, $0.gLoss, $0.dRealMean, $0.dFakeMean] }
        let b = run(epochs: 2, seed: 123).1.map { [$0.dLoss, $0.gLoss, $0.dRealMean, $0.dFakeMean] }
        let c = run(epochs: 2, seed: 124).1.map { [$0.dLoss, $0.gLoss, $0.dRealMean, $0.dFakeMean] }
        #expect(a == b)
        #expect(a != c)
    }

    /// Both recipes: the improved one adds dropout masks drawn from the generator and
    /// the averaged generator, both of which a resume must carry on exactly.
    @Test(arguments: ModelRecipe.allCases)
    func resumedRunEndsWithTheSameWeights(model: ModelRecipe) throws {
        let (straight, straightRecords) = run(epochs: 3, seed: 9, model: model)
        var (partial, _) = run(epochs: 1, seed: 9, model: model)
        // Through the on-disk format, as a restart would.
        var resumed = try Checkpoint.decode(Checkpoint.encode(partial)).trainer
        partial = GANTrainer(config: straight.config, generator: resumed.generator, discriminator: resumed.discriminator,
                             generatorOptimizer: resumed.generatorOptimizer, discriminatorOptimizer: resumed.discriminatorOptimizer,
                             rng: resumed.rng, epochsCompleted: resumed.epochsCompleted, averagedGenerator: resumed.averagedGenerator)
        resumed = partial
        let images = TrainingImages.synthetic(count: 600, seed: 77)
        var later: [EpochLosses] = []
        while resumed.epochsCompleted < 3 { later.append(resumed.trainEpoch(on: images)!) }
        #expect(resumed.generator == straight.generator)
        #expect(resumed.discriminator == straight.discriminator)
        #expect(resumed.rng == straight.rng)
        #expect(resumed.averagedGenerator == straight.averagedGenerator && (model == .notebook) == (straight.averagedGenerator == nil))
        #expect(later.map(\.gLoss) == straightRecords[1...].map(\.gLoss))
    }

    @Test(arguments: ModelRecipe.allCases)
    func interruptedEpochLeavesTheTrainerUntouched(model: ModelRecipe) {
        var (trainer, _) = run(epochs: 1, seed: 5, model: model)
        let before = Checkpoint.encode(trainer)
        var steps = 0
        let record = trainer.trainEpoch(on: TrainingImages.synthetic(count: 600, seed: 77), shouldStop: { steps += 1; return steps > 3 })
        #expect(record == nil)
        #expect(Checkpoint.encode(trainer) == before)
    }
}
