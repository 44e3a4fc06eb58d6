import ArgumentParser
import Foundation
import GAN
import Linalg
import MNIST

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the GAN on the IDX files in a folder, one line per epoch, a checkpoint per epoch."
    )

    @Option(help: "Folder with train-images-idx3-ubyte(.gz).") var data: String
    @Option(help: "Epochs to train (1–10000).") var epochs: Int = TrainingConfig().epochs
    @Option(help: "Folder for checkpoint.gantry, written atomically after every epoch.") var checkpointDir: String = "checkpoints"
    @Option(help: "Train on this many images per epoch, repeating the set if it is smaller (default: the whole set once).") var images: Int?
    @Flag(help: "Continue from the checkpoint in --checkpoint-dir (its configuration wins; --epochs may extend it).") var resume = false
    @Option(help: "Score the generator every N epochs and at the last (fd, inception score, class spread); 0: never. Needs the test split in --data.")
    var evalEvery: Int = 0
    @Option(help: "Digits generated per evaluation (500–50000).") var evalSamples: Int = 10_000
    @OptionGroup var blas: BLASOptions
    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard (0...10_000).contains(evalEvery) else { throw ValidationError("--eval-every must be between 0 and 10000") }
        guard (500...50_000).contains(evalSamples) else { throw ValidationError("--eval-samples must be between 500 and 50000") }
        // Thrown from validate(), not run(), so the parser shows train's usage under the message.
        _ = try model.config(epochs: epochs)
    }

    func run() throws {
        let checkpointPath = (checkpointDir as NSString).appendingPathComponent("checkpoint.gantry")
        // A resume with nothing to resume would train a new run with a new seed under the old name.
        if resume, !FileManager.default.fileExists(atPath: checkpointPath) {
            throw CommandFailure("--resume: there is no checkpoint at \(checkpointPath); leave out --resume to start a new run")
        }
        let core = try BLASCoreLauncher.select(blas.blasCore)
        print("blas: \(core.summary)")
        // Lanes split a step; OpenBLAS itself runs each lane's products on that lane's thread.
        BLASThreads.set(1)
        var tuner = blas.lanes.tuner()
        let digits = try LabeledDigits.load(directory: data, split: .train)
        let set = digits.repeating(to: self.images)
        let images = set.images
        try FileManager.default.createDirectory(atPath: checkpointDir, withIntermediateDirectories: true)
        var trainer: ModelTrainer
        if resume {
            do { trainer = try Checkpoint.read(from: checkpointPath).trainer } catch { throw CommandFailure("\(checkpointPath): \(error)") }
            trainer.extend(toEpochs: max(epochs, trainer.epochsCompleted))
            print("Resuming from \(checkpointPath) after epoch \(trainer.epochsCompleted) (seed \(trainer.config.seed))")
        } else {
            trainer = ModelTrainer(config: try model.config(epochs: epochs))
            let c = trainer.config
            print("Training from scratch, seed \(c.seed): model \(c.model.rawValue)\(c.conditional ? ", conditional" : "") "
                  + "(beta1 \(c.beta1), \(c.model.isConvolutional ? "channels \(c.gChannels)/\(c.dChannels), D augmentation \(c.dAugment.isOff ? "none" : c.dAugment.description), D dropout \(c.dDropout)" : "hidden \(c.gHidden)/\(c.dHidden), D dropout \(c.dDropout)"), "
                  + "generator average \(c.emaDecay))")
        }
        print("\(images.count) training images, \(trainer.stepsPerEpoch(imageCount: images.count)) steps per epoch")
        let reference = evalEvery > 0 ? try qualityReference(train: digits) : nil
        let bestPath = (checkpointDir as NSString).appendingPathComponent("best-generator.gantry")
        let evaluationSeed = QualityReference.evaluationSeed(trainingSeed: trainer.config.seed)
        var loop = EpochLoop(evaluates: { [evalEvery, last = trainer.config.epochs] in
            QualityReference.evaluates(epoch: $0, every: evalEvery, last: last)
        })
        if let reference, let best = try? Checkpoint.read(from: bestPath).trainer, best.epochsCompleted <= trainer.epochsCompleted {
            loop = EpochLoop(evaluates: loop.evaluates, bestFD: reference.scores(of: best.samplingGenerator, count: evalSamples, seed: evaluationSeed).fd)
        }
        let score: ((any ImageGenerator) -> EpochEvaluation)? = reference.map { reference in
            { [evalSamples] generator in
                let started = Date()
                let scores = reference.scores(of: generator, count: evalSamples, seed: evaluationSeed)
                return EpochEvaluation(scores: scores, samples: evalSamples, seconds: Date().timeIntervalSince(started))
            }
        }
        try loop.run(&trainer, train: { $0.trainEpoch(on: images, labels: set.labels, exclusive: { step in tuner.run(step) }) },
                     score: score) { epoch, trainer in
            let record = epoch.record
            try Checkpoint.write(trainer, to: checkpointPath)
            var line = String(format: "Epoch %d/%d... Discriminator Loss: %.4f... Generator Loss: %.4f... (%.2f s)",
                              record.epoch, trainer.config.epochs, record.dLoss, record.gLoss, record.seconds)
            if let evaluation = record.evaluation, let reference {
                let scores = evaluation.scores, share = scores.largestClassShare
                line += String(format: " fd %.2f (real %.2f) IS %.2f top class %.0f%%%@ (eval %.2f s)", scores.fd,
                               reference.realScores.fd, scores.inceptionScore, share * 100,
                               share > 0.4 ? " mode collapse?" : "", evaluation.seconds)
                if let accuracy = scores.conditionalAccuracy { line += String(format: " conditional accuracy %.3f", accuracy) }
            }
            if epoch.isBest {
                try AtomicFile.write(Checkpoint.encode(trainer, kind: .generatorOnly), to: bestPath)
                line += " best"
            }
            print(line)
            fflush(nil) // one line per epoch even when piped
        }
    }

    /// The classifier cached in --checkpoint-dir, or one trained on --data's training split.
    private func qualityReference(train: LabeledDigits) throws -> QualityReference {
        let test = try LabeledDigits.load(directory: data, split: .test)
        let path = (checkpointDir as NSString).appendingPathComponent("classifier.gantry")
        let (reference, origin) = try QualityReference.loadOrTrain(
            classifierAt: path, train: { train }, test: test, log: { print($0) })
        if case .trained(let seconds) = origin {
            print(String(format: "Quality classifier trained in %.1f s, saved to %@", seconds, path))
        }
        print(String(format: "Quality classifier: %.2f%% on %d test images; real test halves score fd %.2f, IS %.2f",
                     reference.testAccuracy * 100, test.count, reference.realScores.fd, reference.realScores.inceptionScore))
        return reference
    }
}

extension LabeledDigits {
    /// These digits, repeated up to `count` when `count` is given and larger.
    func repeating(to count: Int?) -> LabeledDigits {
        guard let count, count != images.count, images.count > 0 else { return self }
        let size = count * images.pixelsPerImage
        var pixels: [UInt8] = []
        pixels.reserveCapacity(size)
        while pixels.count < size { pixels.append(contentsOf: images.pixels.prefix(size - pixels.count)) }
        let labels = (0..<count).map { self.labels[$0 % self.labels.count] }
        return LabeledDigits(images: TrainingImages(count: count, pixelsPerImage: images.pixelsPerImage, pixels: pixels), labels: labels)
    }
}

extension LabeledDigits {
    /// One split of an MNIST-format folder, with its labels.
    static func load(directory: String, split: MNISTFolder.Split) throws -> LabeledDigits {
        let set: LabeledImages
        do { set = try MNISTFolder.load(directory: directory, split: split) } catch { throw CommandFailure("\(directory): \(error)") }
        guard set.images.rows * set.images.columns == TrainingConfig.imagePixels else {
            throw CommandFailure("\(directory): images are \(set.images.rows)x\(set.images.columns), the model needs 28x28")
        }
        return LabeledDigits(images: TrainingImages(count: set.images.count, pixelsPerImage: TrainingConfig.imagePixels,
                                                    pixels: set.images.pixels), labels: set.labels)
    }
}
