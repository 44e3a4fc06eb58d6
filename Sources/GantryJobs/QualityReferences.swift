import Foundation
import Logging
import GAN

/// One quality reference per dataset: built the first time a job evaluates on that
/// dataset (its classifier trained and cached in the dataset's folder), then kept in
/// memory. Jobs on one dataset share it; a second job waits for the first's build
/// instead of training a second classifier.
public final class QualityReferences: @unchecked Sendable {
    // @unchecked: `built` and `building` are only touched under `lock`.
    package let datasets: any DatasetProvider
    let gate: BLASGate
    let logger: Logger
    private let lock = NSLock()
    private var built: [String: QualityReference] = [:]
    private var building: [String: NSLock] = [:]
    /// Summaries read or written, so a job view does not read a file per request.
    private var summaries: [String: DatasetQuality] = [:]

    public init(datasets: any DatasetProvider, gate: BLASGate, logger: Logger = .silent) {
        self.datasets = datasets
        self.gate = gate
        self.logger = logger
    }

    /// The reference of dataset `name`, loading or training its classifier if this process
    /// has not yet. A caller that holds the training split already passes it (one copy of
    /// 60,000 images is 47 MB).
    ///
    /// `progress` hears the share of the classifier's training done (0–1) when this call trains it.
    public func reference(for name: String, train loaded: LabeledDigits? = nil,
                          progress: (Double) -> Void = { _ in }) throws -> QualityReference {
        let flight: NSLock = locked {
            if let lock = building[name] { return lock }
            let lock = NSLock()
            building[name] = lock
            return lock
        }
        flight.lock()
        defer { flight.unlock() }
        if let ready = locked({ built[name] }) { return ready }

        let directory = datasets.directory(for: name)
        let testSplit = try datasets.digits(name, split: .test) { _ in }
        let stored = DatasetQuality.read(from: directory)
        var trainCount = stored?.trainImages
        var steps = 0
        let (reference, origin) = try QualityReference.loadOrTrain(
            classifierAt: DatasetQuality.classifierPath(in: directory),
            train: {
                logger.info("training the quality classifier of \(name)", metadata: ["dataset": "\(name)"])
                let train = try loaded ?? datasets.digits(name, split: .train) { _ in }
                trainCount = train.count
                return train
            },
            test: testSplit,
            exclusive: { body in
                // Called once per training step of the classifier, then once to score the test split.
                gate.run(body)
                steps += 1
                if let trainCount { progress(min(1, Double(steps) / Double(QualityReference.classifierSteps(trainingImages: trainCount) + 1))) }
            },
            log: { logger.warning("\($0)") })
        var seconds: Double?
        if case .trained(let s) = origin {
            seconds = s
            logger.info("\(String(format: "quality classifier of %@: %.2f%% on %d test images, trained in %.1f s", name, reference.testAccuracy * 100, testSplit.count, s))")
        }
        if origin == .cached, let stored {
            locked { summaries[name] = stored }
        } else {
            let summary = DatasetQuality(
                testAccuracy: reference.testAccuracy, testImages: testSplit.count, trainImages: trainCount,
                classifierEpochs: trainCount.map(QualityReference.classifierEpochs(trainingImages:)), classifierSeconds: seconds,
                builtAt: RFC3339.string(Date()), real: reference.realScores, realSamples: testSplit.count / 2)
            try summary.write(to: directory)
            locked { summaries[name] = summary }
        }
        locked { built[name] = reference }
        return reference
    }

    /// What is known of dataset `name`'s yardstick without building it.
    /// The summary when it is in memory (no file read), else nil.
    public func cachedSummary(for name: String) -> DatasetQuality? { locked { summaries[name] } }

    public func summary(for name: String) -> DatasetQuality? {
        if let known = locked({ summaries[name] }) { return known }
        guard let read = DatasetQuality.read(from: datasets.directory(for: name)) else { return nil }
        locked { summaries[name] = read }
        return read
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
