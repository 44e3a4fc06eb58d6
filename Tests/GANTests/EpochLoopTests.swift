import Testing
@testable import GAN

/// The loop `gantry train` and the daemon share, on a tiny real trainer.
@Suite struct EpochLoopTests {
    func trainer(epochs: Int) -> ModelTrainer {
        var config = TrainingConfig()
        config.epochs = epochs
        config.batchSize = 50
        config.gHidden = 8
        config.dHidden = 8
        config.seed = 4
        return ModelTrainer(config: config)
    }

    func evaluation(_ fd: Double) -> EpochEvaluation {
        EpochEvaluation(scores: SampleEvaluator.Scores(fd: fd, inceptionScore: 1, classCounts: Array(repeating: 0, count: 10), confidentShare: 0),
                        samples: 500, seconds: 0)
    }

    @Test func scoresTheDueEpochsAndMarksEachNewLowest() throws {
        let images = try Mnist5k.images(.train).images
        var trainer = trainer(epochs: 6)
        // fd by epoch, for the epochs scored (every second one): 30 at 2, 40 at 4, 20 at 6.
        let fds = [2: 30.0, 4: 40.0, 6: 20.0]
        var loop = EpochLoop(evaluates: { $0 % 2 == 0 })
        var kept: [(epoch: Int, scored: Bool, best: Bool)] = []
        let finished = loop.run(&trainer, train: { $0.trainEpoch(on: images) }, score: { _ in
            evaluation(fds[kept.count + 1] ?? .nan)
        }) { epoch, trainer in
            #expect(trainer.epochsCompleted == epoch.record.epoch)
            kept.append((epoch.record.epoch, epoch.record.evaluation != nil, epoch.isBest))
        }
        #expect(finished)
        #expect(kept.map(\.epoch) == Array(1...6))
        #expect(kept.map(\.scored) == [false, true, false, true, false, true])
        #expect(kept.map(\.best) == [false, true, false, false, false, true])
        #expect(loop.bestFD == 20)
    }

    @Test func aStopEndsTheRunWithoutKeepingAnEpoch() throws {
        let images = try Mnist5k.images(.train).images
        var trainer = trainer(epochs: 5)
        var loop = EpochLoop(evaluates: { _ in true }, bestFD: 10)
        var kept = 0
        let finished = loop.run(&trainer, train: { trainer in
            trainer.epochsCompleted < 2 ? trainer.trainEpoch(on: images) : nil
        }, score: { _ in evaluation(15) }) { epoch, _ in
            kept += 1
            #expect(!epoch.isBest, "fd 15 is not below the 10 a resumed run starts from")
        }
        #expect(!finished && kept == 2 && trainer.epochsCompleted == 2)
    }
}
