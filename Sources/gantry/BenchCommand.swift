import ArgumentParser
import Foundation
import GAN
import Linalg

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training epochs of a model (or of each) and print seconds per epoch, images/s and GFLOP/s."
    )

    @Option(help: "Images per epoch (real ones from --data, repeated if needed, or synthetic).") var images: Int = 60_000
    @Option(help: "Epochs to time; the median is reported.") var epochs: Int = 3
    @Option(help: "Folder with MNIST-format IDX files; synthetic images when absent.") var data: String?
    @Option(help: "Also time scoring this many generated digits (default 10000 with --data, else 0); needs --data for a trained classifier.")
    var evalSamples: Int?
    @OptionGroup var blas: BLASOptions
    @OptionGroup var model: ModelOptions
    @Flag(help: "Time the notebook model, the improved one and the improved conditional one in turn, on the same images, and print a table.")
    var eachModel = false

    func validate() throws {
        guard images >= 1, epochs >= 1 else { throw ValidationError("--images and --epochs must be at least 1") }
        // Thrown from validate(), not run(), so the parser shows bench's usage under the message.
        _ = try model.config(epochs: epochs)
        guard let evalSamples, evalSamples != 0 else { return }
        guard evalSamples >= 500 && data != nil else {
            throw ValidationError("--eval-samples needs --data (for the classifier) and at least 500 samples; 0 skips it")
        }
    }

    func run() throws {
        let core = try BLASCoreLauncher.select(blas.blasCore)
        print("bench: \(core.summary)")
        print("bench: \(BLASLibrary.configuration)")
        // Lanes split a step; OpenBLAS itself runs each lane's products on that lane's thread.
        BLASThreads.set(1)
        var tuner = blas.lanes.tuner()
        var config = try model.config(epochs: epochs)
        if model.seed == nil { config.seed = 1 }
        // Loaded once: the training images and, with --data, the classifier's training digits.
        let digits = try data.map { try LabeledDigits.load(directory: $0, split: .train) }
        let set = digits.map { $0.repeating(to: images) } ?? .synthetic(count: images, seed: config.seed)
        if eachModel {
            var rows: [(name: String, seconds: Double)] = []
            for (name, each) in Self.models(like: config) {
                print("bench: model \(name)")
                rows.append((name, timeEpochs(of: each, on: set, tuner: &tuner).median))
            }
            print("model                  s/epoch   × notebook")
            for row in rows {
                print(row.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                      + String(format: " %7.3f   %.2f", row.seconds, row.seconds / rows[0].seconds))
            }
            return
        }
        let (trainer, steps, median) = timeEpochs(of: config, on: set, tuner: &tuner)
        // The yardstick: this machine's OpenBLAS on a large product, all cores, in this process.
        // Measured after training: OpenBLAS's own threads spin for a while after a product,
        // which would take the second core from the lanes.
        let peak = SGEMMRate.measure(size: 2048, threads: ProcessInfo.processInfo.activeProcessorCount)
        print(String(format: "sgemm 2048³ on %d threads: %.1f GFLOP/s (best of %d)", peak.threads, peak.gflops, peak.runs))
        let imagesPerSecond = Double(steps * config.batchSize) / median
        let gflops = Double(trainer.flopsPerStep) * Double(steps) / median / 1e9
        print(String(format: "median %.3f s/epoch  %.0f images/s  %.1f GFLOP/s  (%.0f%% of sgemm 2048³)", median, imagesPerSecond, gflops,
                     gflops / peak.gflops * 100))
        let evalSamples = self.evalSamples ?? (data == nil ? 0 : 10_000)
        if let data, let digits, evalSamples > 0 {
            try benchEvaluation(data: data, digits: digits, generator: trainer.samplingGenerator, epochSeconds: median, samples: evalSamples)
        }
    }

    /// The notebook model, the improved one and the improved conditional one, with
    /// `config`'s epochs, batch and seed.
    static func models(like config: TrainingConfig) -> [(String, TrainingConfig)] {
        let improved = ModelRecipe.improved.applied(to: config)
        var conditional = improved
        conditional.conditional = true
        var notebook = ModelRecipe.notebook.applied(to: config)
        notebook.conditional = false
        return [("notebook", notebook), ("improved", improved), ("improved, conditional", conditional)]
    }

    /// Trains `epochs` epochs of a fresh `config` model on `set`, printing each, and
    /// returns the trainer, the steps per epoch and the median epoch's seconds.
    private func timeEpochs(of config: TrainingConfig, on set: LabeledDigits, tuner: inout LaneCountTuner)
        -> (trainer: ModelTrainer, steps: Int, median: Double) {
        var trainer = ModelTrainer(config: config)
        let steps = trainer.stepsPerEpoch(imageCount: set.count)
        print("bench: \(set.count) \(data == nil ? "synthetic" : "real") images, batch \(config.batchSize), \(steps) steps/epoch, "
              + "lanes \(blas.lanes), \(String(format: "%.1f", Double(trainer.flopsPerStep) / 1e6)) MFLOP/step")
        var seconds: [Double] = []
        for _ in 0..<epochs {
            let before = tuner.stepsByLanes
            guard let record = trainer.trainEpoch(on: set.images, labels: set.labels, exclusive: { step in tuner.run(step) }) else { break }
            seconds.append(record.seconds)
            let threads = tuner.stepsByLanes.keys.sorted().map { "\(tuner.stepsByLanes[$0]! - before[$0, default: 0])×\($0)" }
            print(String(format: "epoch %d: %.3f s  D %.4f  G %.4f  steps×lanes: %@", record.epoch, record.seconds,
                         record.dLoss, record.gLoss, threads.joined(separator: " ")))
        }
        return (trainer, steps, seconds.sorted()[seconds.count / 2])
    }

    /// Times what a job's per-epoch evaluation costs: `evalSamples` digits generated,
    /// classified and scored, median of 3, against the median training epoch.
    private func benchEvaluation(data: String, digits: LabeledDigits, generator: any ImageGenerator, epochSeconds: Double, samples evalSamples: Int) throws {
        let started = Date()
        let classifier = QualityReference.trainClassifier(on: digits)
        let trainSeconds = Date().timeIntervalSince(started)
        let referenceStarted = Date()
        let reference = QualityReference(classifier: classifier, test: try LabeledDigits.load(directory: data, split: .test))
        print(String(format: "classifier: trained in %.1f s, test accuracy %.2f%%; reference built in %.3f s",
                     trainSeconds, reference.testAccuracy * 100, Date().timeIntervalSince(referenceStarted)))
        var seconds: [Double] = []
        var scores: SampleEvaluator.Scores?
        for _ in 0..<3 {
            let start = Date()
            scores = reference.scores(of: generator, count: evalSamples, seed: 5)
            seconds.append(Date().timeIntervalSince(start))
        }
        let median = seconds.sorted()[1]
        print(String(format: "evaluation of %d samples: median %.3f s (%.1f%% of the training epoch); fd %.2f, inception score %.2f",
                     evalSamples, median, median / epochSeconds * 100, scores!.fd, scores!.inceptionScore))
    }
}
