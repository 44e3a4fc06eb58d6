import Foundation
import GAN
import Testing
@testable import GantryJobs
@testable import GantryAPI

@Suite struct JobRequestTests {
    let datasets: Set<String> = ["mnist", "fashion-mnist"]

    func parse(_ json: String, budget: Int = 1 << 31) throws -> JobConfig {
        try JobRequest.parse(Array(json.utf8), datasets: datasets, memoryBudgetBytes: budget)
    }

    func refusal(_ json: String, budget: Int = 1 << 31) -> APIError? {
        do { _ = try parse(json, budget: budget); return nil } catch { return error as? APIError }
    }

    @Test func emptyBodyGivesTheNotebookDefaultsAndARecordedSeed() throws {
        let config = try parse("")
        #expect(config.dataset == "mnist")
        #expect(config.training.epochs == 100 && config.training.batchSize == 100 && config.training.zSize == 100)
        #expect(config.training.learningRate == 0.002 && config.training.smooth == 0.1 && config.training.alpha == 0.01)
        #expect(config.samplesPerEpoch == 16)
        #expect(config.training.seed >= 1 && config.training.seed < 1 << 53)
        #expect(try parse("{}").training.epochs == 100)
        // A body that names no seed gets one drawn too (not the type's 0).
        let seeds = try (0..<4).map { _ in try parse(#"{"epochs": 3}"#).training.seed }
        #expect(seeds.allSatisfy { $0 >= 1 && $0 < 1 << 53 } && Set(seeds).count > 1, "\(seeds)")
    }

    @Test func fieldsOverrideDefaults() throws {
        let config = try parse(#"{"dataset": "fashion-mnist", "epochs": 3, "batch_size": 64, "seed": 18446744073709551615, "learning_rate": 0.001, "samples_per_epoch": 25}"#)
        #expect(config.dataset == "fashion-mnist" && config.training.epochs == 3 && config.training.batchSize == 64)
        #expect(config.training.seed == UInt64.max && config.training.learningRate == 0.001 && config.samplesPerEpoch == 25)
    }

    @Test(arguments: [
        (#"{"epochs": 0}"#, "epochs"), (#"{"epochs": 10001}"#, "epochs"), (#"{"batch_size": 0}"#, "batch_size"),
        (#"{"z_size": 1025}"#, "z_size"), (#"{"g_hidden": 4097}"#, "g_hidden"), (#"{"d_hidden": 0}"#, "d_hidden"),
        (#"{"alpha": 1}"#, "alpha"), (#"{"smooth": 0.5}"#, "smooth"), (#"{"learning_rate": 0}"#, "learning_rate"),
        (#"{"learning_rate": 1.5}"#, "learning_rate"), (#"{"beta1": 1}"#, "beta1"), (#"{"samples_per_epoch": 257}"#, "samples_per_epoch"),
(#"{"epochs": "ten"}"#, "epochs"), (#"{"epochs": 1.5}"#, "epochs"),
        (#"{"seed": -1}"#, "seed"), (#"{"epoch": 3}"#, "epoch"), (#"[1, 2]"#, "object"), (#"{"epochs": 3"#, "JSON"),
        (#"{"alpha": true}"#, "alpha"), (#"{"eval_every": -1}"#, "eval_every"), (#"{"eval_every": 10001}"#, "eval_every"),
        (#"{"eval_samples": 499}"#, "eval_samples"), (#"{"eval_samples": 50001}"#, "eval_samples"), (#"{"eval_every": "1"}"#, "eval_every"), (#"{"eval_every": "often"}"#, "eval_every"),
        (#"{"epochs": 1,}"#, "JSON"), (#"{"epochs": 1, "epochs": 2}"#, "duplicate"), (#"{"epochs": 1e-1}"#, "epochs"),
        (#"{"alpha": 1e400}"#, "alpha"), (#"{"seed": 1.5}"#, "seed"), (#"{"epochs": 1.00001e4}"#, "epochs"),
        (#"{"model": "fancy"}"#, "model"), (#"{"model": 1}"#, "model"), (#"{"d_dropout": 0.95}"#, "d_dropout"),
        (#"{"ema_decay": 1}"#, "ema_decay"), (#"{"ema_decay": -0.1}"#, "ema_decay"), (#"{"conditional": "yes"}"#, "conditional"),
        (#"{"model": "dcgan", "d_augment": "flip"}"#, "d_augment"), (#"{"model": "dcgan", "d_augment": "cutout,cutout"}"#, "d_augment"),
        (#"{"model": "dcgan", "d_augment": 1}"#, "d_augment"), (#"{"model": "dcgan", "d_augment": ["cutout"]}"#, "d_augment"),
        (#"{"d_augment": "translation"}"#, "d_augment"), (#"{"model": "improved", "d_augment": "cutout"}"#, "d_augment"),
    ])
    func badInputIsA400NamingTheField(json: String, field: String) {
        let error = refusal(json)
        #expect(error?.status.code == 400, "\(json)")
        #expect(error?.message.contains(field) == true, "\(json): \(error?.message ?? "accepted")")
    }

    /// An integer field reads a number's value, however written (JSON Schema's `integer`).
    @Test func aWholeNumberWithAFractionOrExponentIsItsValue() throws {
        let request = try JobRequest.parse(Array(#"{"epochs": 1e1, "seed": 7.0, "samples_per_epoch": 219.0, "batch_size": 0.5e2}"#.utf8),
                                           datasets: ["mnist"], memoryBudgetBytes: 1 << 40)
        #expect(request.training.epochs == 10 && request.training.seed == 7 && request.samplesPerEpoch == 219 && request.training.batchSize == 50)
    }

    /// A float field is checked as the decimal written (JSON Schema's comparison), then read
    /// as the nearest float inside its range, even where rounding would cross an end.
    @Test func aFloatFieldIsItsDecimalCheckedThenTheNearestFloatInRange() throws {
        let config = try JobRequest.parse(Array(#"{"learning_rate": 5e-324, "beta1": 0.99999999, "d_dropout": 0.9, "smooth": 0.4999999999, "alpha": 1e-46}"#.utf8),
                                          datasets: ["mnist"], memoryBudgetBytes: 1 << 40)
        #expect(config.training.learningRate == Float.leastNonzeroMagnitude && config.training.beta1 == Float(1).nextDown)
        #expect(config.training.dDropout == Float(0.9) && config.training.smooth == Float(0.5).nextDown && config.training.alpha == 0)
        for json in [#"{"d_dropout": 0.9000000001}"#, #"{"alpha": -1e-300}"#, #"{"learning_rate": 0}"#, #"{"learning_rate": 1.0000000001}"#, #"{"beta1": 1}"#] {
            #expect(refusal(json)?.status.code == 400, "\(json) is outside its range as written")
        }
    }

    /// A well-formed request naming a dataset the daemon does not have: not found, as the dataset is.
    @Test func anUnconfiguredDatasetIsNotFound() {
        let error = refusal(#"{"dataset": "imagenet"}"#)
        #expect(error?.status.code == 404 && error?.code == .notFound && error?.message.contains("imagenet") == true, "\(String(describing: error))")
    }

    @Test func aJobOverTheMemoryBudgetIsRefusedBeforeQueueing() {
        let error = refusal(#"{"g_hidden": 4096, "d_hidden": 4096, "batch_size": 10000}"#, budget: 64 << 20)
        #expect(error?.code == .overBudget)
        #expect(refusal("{}", budget: 256 << 20) == nil)
    }

    /// The largest model peaks near 2,000 MiB of RSS (scripts/bench-memory): a budget of
    /// 858 MiB must refuse it, as the estimate counts the dataset, the step's buffers and
    /// the checkpoint being written, not the activations alone.
    @Test func theLargestModelIsRefusedUnderABudgetItsPeakExceeds() {
        let largest = #"{"g_hidden": 4096, "d_hidden": 4096, "batch_size": 4000, "z_size": 1024}"#
        #expect(refusal(largest, budget: 858 << 20)?.code == .overBudget)
        #expect(refusal(largest, budget: 2_400 << 20) == nil)
    }

    /// 10,000 epochs of 256 samples write about 2 GB of samples: over the default 1 GiB
    /// budget, refused before queueing with a message naming the key; the same job
    /// with 16 samples an epoch, or under a larger budget, is taken.
    @Test func aJobOverTheDiskBudgetIsRefusedBeforeQueueing() throws {
        func diskRefusal(_ json: String, disk: Int) -> APIError? {
            do {
                _ = try JobRequest.parse(Array(json.utf8), datasets: datasets, memoryBudgetBytes: 1 << 31, diskBudgetBytes: disk)
                return nil
            } catch { return error as? APIError }
        }
        let long = #"{"epochs": 10000, "samples_per_epoch": 256}"#
        let error = try #require(diskRefusal(long, disk: 1 << 30))
        #expect(error.code == .overBudget && error.status == .forbidden)
        #expect(error.message.contains("disk_budget_bytes") && error.message.contains("1941 MiB"), "\(error.message)")
        #expect(diskRefusal(long, disk: 3 << 30) == nil)
        #expect(diskRefusal(#"{"epochs": 10000, "samples_per_epoch": 16}"#, disk: 1 << 30) == nil)
    }

    /// The estimate, term by term, for a job of the notebook's model: what the refusals
    /// and docs/api.md state.
    @Test func theDiskEstimateAddsEpochsAndTwoCopiesOfEachRewrittenFile() throws {
        let config = try parse(#"{"epochs": 10000, "samples_per_epoch": 256}"#)
        #expect(config.diskBytesPerEpoch == 256 * 784 + 2048)
        let rewritten = 2 * (Checkpoint.sizeBound(of: config.training, kind: .full) + Checkpoint.sizeBound(of: config.training, kind: .generatorOnly))
        #expect(config.diskEstimateBytes == 10_000 * (256 * 784 + 2048) + rewritten + (1 << 20))
        // A job part-way through still promises its remaining epochs and one copy of each file.
        #expect(config.diskBytesStillToWrite(epochsCompleted: 0) == config.diskEstimateBytes)
        #expect(config.diskBytesStillToWrite(epochsCompleted: 9_000) == 1_000 * (256 * 784 + 2048) + rewritten / 2)
        #expect(config.diskBytesStillToWrite(epochsCompleted: 10_000) == rewritten / 2)
    }

    @Test func evaluationDefaultsToAutoAndCanBeTurnedOff() throws {
        let defaults = try parse("{}")
        #expect(defaults.evalEvery == .auto && defaults.evalSamples == 10_000)
        let off = try parse(#"{"eval_every": 0, "eval_samples": 500, "epochs": 10}"#)
        #expect(off.evalEvery == .every(0) && off.evalSamples == 500 && !(1...10).contains { off.evaluates(epoch: $0, imagesPerEpoch: 60_000) })
        let every3 = try parse(#"{"eval_every": 3, "epochs": 7}"#)
        #expect((1...7).filter { every3.evaluates(epoch: $0, imagesPerEpoch: 4_000) } == [3, 6, 7])
        #expect(try parse(#"{"eval_every": "auto"}"#).evalEvery == .auto)
        // A job stored before evaluation existed reads back with the defaults.
        let old = #"{"dataset":"mnist","samples_per_epoch":16,"epochs":5,"batch_size":100,"z_size":100,"g_hidden":128,"d_hidden":128,"alpha":0.01,"smooth":0.1,"learning_rate":0.002,"beta1":0.9,"seed":3}"#
        let decoded = try JSONDecoder().decode(JobConfig.self, from: Data(old.utf8))
        #expect(decoded.evalEvery == .auto && decoded.evalSamples == 10_000 && decoded.training.epochs == 5)
    }

    /// Scoring 10,000 digits costs about as much as training on 7,500 images
    /// (`scoringCostPerTrainingImage`), so `auto` keeps it under a tenth of training:
    /// every epoch only when an epoch is 75,000 images or more, every 2 on MNIST's
    /// 60,000, every 19 on mnist5k's 4,000, every epoch at the smallest eval_samples.
    @Test(arguments: [(60_000, 10_000, 2), (75_000, 10_000, 1), (4_000, 10_000, 19), (4_000, 500, 1), (100, 50_000, 3_750), (1, 50_000, 10_000)])
    func autoKeepsScoringUnderATenthOfTraining(imagesPerEpoch: Int, samples: Int, interval: Int) throws {
        let every = EvaluationSchedule.auto.interval(imagesPerEpoch: imagesPerEpoch, samples: samples)
        #expect(every == interval)
        let cost = Double(samples) * EvaluationSchedule.scoringCostPerTrainingImage / Double(every)
        #expect(cost <= 0.1 * Double(imagesPerEpoch) || every == 10_000)
        #expect(every == 1 || Double(samples) * EvaluationSchedule.scoringCostPerTrainingImage / Double(every - 1) > 0.1 * Double(imagesPerEpoch),
                "the smallest interval within budget")
    }

    @Test func configRoundTripsFlatThroughJSON() throws {
        let config = try parse(#"{"epochs": 7, "seed": 9, "eval_every": 2, "eval_samples": 600}"#)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any]
        #expect(json?["epochs"] as? Int == 7 && json?["dataset"] as? String == "mnist" && json?["samples_per_epoch"] as? Int == 16)
        #expect(json?["eval_every"] as? Int == 2 && json?["eval_samples"] as? Int == 600)
        #expect(try JSONDecoder().decode(JobConfig.self, from: JSONEncoder().encode(config)) == config)
        let auto = try parse(#"{"epochs": 7}"#)
        let autoJSON = try JSONSerialization.jsonObject(with: JSONEncoder().encode(auto)) as? [String: Any]
        #expect(autoJSON?["eval_every"] as? String == "auto")
        #expect(try JSONDecoder().decode(JobConfig.self, from: JSONEncoder().encode(auto)) == auto)
    }

    /// One rule for numbers: the literal, rounded to the nearest Double, then to Float.
    @Test func floatFieldsReadEveryLiteralByOneRule() throws {
        #expect(try parse(#"{"alpha": 1e-46}"#).training.alpha == 0)
        #expect(try parse(#"{"alpha": 1e-400}"#).training.alpha == 0)
        #expect(try parse(#"{"alpha": 0.25}"#).training.alpha == 0.25)
        #expect(try parse(#"{"learning_rate": 2E-3}"#).training.learningRate == Float(0.002))
        // An integer beyond Int is out of range, not "not a number".
        #expect(refusal(#"{"epochs": 12345678901234567890}"#)?.message.contains("epochs must be between") == true)
    }

    /// A recipe sets its fields' defaults; a field the request names wins over it.
    @Test func theModelRecipeSetsDefaultsThatFieldsOverride() throws {
        let notebook = try parse("{}").training
        #expect(notebook.model == .notebook && notebook.beta1 == 0.9 && notebook.gHidden == 128 && notebook.dDropout == 0 && notebook.emaDecay == 0)
        #expect(!notebook.conditional)
        let improved = try parse(#"{"model": "improved"}"#).training
        #expect(improved.model == .improved && improved.beta1 == 0.5 && improved.gHidden == 256 && improved.dHidden == 256)
        #expect(improved.dDropout == Float(0.3) && improved.emaDecay == Float(0.999))
        let mixed = try parse(#"{"beta1": 0.7, "model": "improved", "ema_decay": 0, "conditional": true}"#).training
        #expect(mixed.beta1 == Float(0.7) && mixed.emaDecay == 0 && mixed.dDropout == Float(0.3) && mixed.conditional)
        let notebookWithDropout = try parse(#"{"d_dropout": 0.5}"#).training
        #expect(notebookWithDropout.model == .notebook && notebookWithDropout.dDropout == 0.5)
        // A job stored before these fields existed reads back as the notebook's model.
        let old = #"{"dataset":"mnist","samples_per_epoch":16,"epochs":5,"batch_size":100,"z_size":100,"g_hidden":128,"d_hidden":128,"alpha":0.01,"smooth":0.1,"learning_rate":0.002,"beta1":0.9,"seed":3}"#
        let decoded = try JSONDecoder().decode(JobConfig.self, from: Data(old.utf8)).training
        #expect(decoded.model == .notebook && decoded.dDropout == 0 && decoded.emaDecay == 0 && !decoded.conditional)
    }

    /// `d_augment` is the dcgan model's: its value is a set (two spellings are one request),
    /// it is written to the stored job only when on, so a job without it is stored as
    /// before it existed, and an MLP job naming one is a 400 that names the field.
    @Test func theAugmentationIsTheDcganModelsAndOneSetOfTransforms() throws {
        let asked = try JobRequest.parseRequest(Array(#"{"model": "dcgan", "d_augment": "cutout, translation", "seed": 1}"#.utf8),
                                                datasets: datasets, memoryBudgetBytes: 1 << 31)
        #expect(asked.config.training.dAugment.transforms == [.translation, .cutout])
        let reordered = try JobRequest.parseRequest(Array(#"{"model": "dcgan", "d_augment": "translation,cutout", "seed": 1}"#.utf8),
                                                    datasets: datasets, memoryBudgetBytes: 1 << 31)
        #expect(asked.canonical == reordered.canonical)
        let stored = try JSONSerialization.jsonObject(with: JSONEncoder().encode(asked.config)) as? [String: Any]
        #expect(stored?["d_augment"] as? String == "translation,cutout")
        #expect(try JSONDecoder().decode(JobConfig.self, from: JSONEncoder().encode(asked.config)) == asked.config)

        for off in [#"{"model": "dcgan", "seed": 1}"#, #"{"model": "dcgan", "d_augment": "none", "seed": 1}"#, #"{"model": "dcgan", "d_augment": "", "seed": 1}"#] {
            let parsed = try JobRequest.parseRequest(Array(off.utf8), datasets: datasets, memoryBudgetBytes: 1 << 31)
            #expect(parsed.config.training.dAugment == .off)
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(parsed.config)) as? [String: Any]
            #expect(json?["d_augment"] == nil, "\(off)")
        }
        // Off is off on every model; anything else is refused for the MLPs, naming the field.
        #expect(try parse(#"{"model": "improved", "d_augment": "none"}"#).training.dAugment == .off)
        let refused = try #require(refusal(#"{"model": "notebook", "d_augment": "translation,cutout"}"#))
        #expect(refused.status.code == 400 && refused.code == .invalidParameter && refused.message.hasPrefix("d_augment"), "\(refused.message)")
        // D's dropout is every model's field, the dcgan's included; out of range is a 400.
        #expect(try parse(#"{"model": "dcgan", "d_dropout": 0.3}"#).training.dDropout == Float(0.3))
        #expect(try #require(refusal(#"{"model": "dcgan", "d_dropout": 0.95}"#)).message.hasPrefix("d_dropout"))
        let unknown = try #require(refusal(#"{"model": "dcgan", "d_augment": "translation,flip"}"#))
        #expect(unknown.message.contains("\"flip\"") && unknown.message.contains("translation, cutout"), "\(unknown.message)")
    }
}
