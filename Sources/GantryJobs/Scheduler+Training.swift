import Foundation
import Logging
import GAN
import Linalg

/// One job's life on its own thread: dataset, resume or start, epochs, and the
/// per-epoch writes whose order makes each epoch exist exactly once.
extension Scheduler {
    /// Moves a job to `status` unless it was cancelled meanwhile (cancel has already written its status).
    func transition(_ id: String, _ job: ActiveJob, to status: JobStatus, startedAt: Date? = nil,
                    finishedAt: Date? = nil, error: String? = nil) throws {
        try job.statusWrites.withLock {
            guard !job.isCancelled, !job.hasLostLease else { return }
            try store.setStatus(id, status, startedAt: startedAt, finishedAt: finishedAt, error: error)
        }
    }

    func run(_ id: String, _ active: ActiveJob) {
        let previousPriority = TrainingPriority.raise()
        defer { TrainingPriority.restore(previousPriority) }
        do {
            guard let job = try store.job(id: id), !job.status.isFinished else { return }
            try transition(id, active, to: .downloading, startedAt: job.startedAt ?? Date())
            active.setPhase(.downloading)
            notifier.notify(id)
            status("downloading \(job.config.dataset) for job \(id)")
            let digits = try datasets.digits(job.config.dataset, split: .train) { active.setPhaseFraction($0) }
            guard !active.shouldStop else { return }
            // Running from here: the data is in, what follows is the job's own work.
            let steps = digits.count / job.config.training.batchSize
            guard steps > 0 else {
                throw JobConfigurationProblem(description:
                    "batch_size \(job.config.training.batchSize) is larger than the \(digits.count) training images of \(job.config.dataset)")
            }
            try store.setStepsPerEpoch(id, steps)
            try transition(id, active, to: .running)
            var reference: QualityReference?
            if job.config.evaluationInterval(imagesPerEpoch: steps * job.config.training.batchSize) > 0 {
                active.setPhase(.preparingClassifier)
                notifier.notify(id)
                status("preparing the quality classifier of \(job.config.dataset) for job \(id)")
                reference = try references.reference(for: job.config.dataset, train: digits) { active.setPhaseFraction($0) }
                guard !active.shouldStop else { return }
            }
            try train(job, digits: digits, reference: reference, active: active)
        } catch let lost as LeaseLost {
            // Another node resumes the job, or it was cancelled or deleted through one:
            // nothing is written for it from here.
            active.requestLeaseLoss()
            let stored = Result { try store.job(id: id) }
            if active.isCancelled {
                // Cancelled here: the cancel's own write ended the claim.
            } else if case .success(let job) = stored, job == nil || job?.status == .cancelled {
                logger.notice("job \(id) was cancelled or deleted through another node; it stops here", metadata: ["job": "\(id)"])
            } else {
                logger.warning("\(lost)", metadata: ["job": "\(id)"])
            }
        } catch let failure as StoreFailure where leases != nil {
            // A shared store that fails (restarting, out of reach) does not fail the job:
            // its lease lapses, and a node (this one or another) resumes it from its last
            // checkpoint once the store is back.
            logger.warning("job \(id): \(failure); this node gives the job up, and it resumes from its last checkpoint when the store is back",
                           metadata: ["job": "\(id)"])
            active.requestLeaseLoss()
        } catch where active.hasLostLease {
            logger.warning("job \(id): stopped after losing its lease (\(Self.sentence(for: error))); nothing is recorded", metadata: ["job": "\(id)"])
        } catch {
            let message = Self.sentence(for: error)
            logger.error("job \(id) failed: \(error)", metadata: ["job": "\(id)"])
            do {
                try transition(id, active, to: .failed, finishedAt: Date(), error: message)
            } catch {
                logger.error("job \(id): cannot record the failure either (\(error)); it is retried on the next start", metadata: ["job": "\(id)"])
                lock.withLock { unrecorded[id] = UnrecordedStatus(status: .failed, error: message) }
            }
        }
    }

    private func train(_ job: Job, digits: LabeledDigits, reference: QualityReference?, active: ActiveJob) throws {
        let images = digits.images
        let id = job.id, config = job.config
        var trainer = try resumeOrStart(job)
        try artifacts.prepareRun(id, resumingAfter: trainer.epochsCompleted)
        let steps = trainer.stepsPerEpoch(imageCount: images.count)
        let imagesPerEpoch = steps * config.training.batchSize
        active.setPhase(.training)
        notifier.notify(id)
        if trainer.epochsCompleted > 0 { active.publish(trainer.snapshot()) }
        var tuner = lanes.tuner()
        let noise = Generator.noise(count: config.samplesPerEpoch, zSize: config.training.zSize, seed: JobFiles.fixedNoiseSeed(for: config))
        var loop = EpochLoop(evaluates: { config.evaluates(epoch: $0, imagesPerEpoch: imagesPerEpoch) },
                             bestFD: try store.job(id: id)?.best?.evaluation?.scores.fd ?? .infinity)
        let score: ((any ImageGenerator) -> EpochEvaluation)? = reference.map { reference in
            { generator in
                active.setPhase(.evaluating)
                defer { active.setPhase(.training) }
                return self.evaluate(generator, with: reference, config: config) { active.setPhaseFraction($0) }
            }
        }
        try loop.run(&trainer, train: { trainer in
            status("training job \(id) epoch \(trainer.epochsCompleted + 1)/\(config.training.epochs)")
            return trainer.trainEpoch(on: images, labels: digits.labels, shouldStop: { active.shouldStop }, exclusive: { step in gate.run { tuner.run(step) } },
                                      afterStep: { active.setStep($0, of: $1) })
        }, score: score, keep: { epoch, trainer in
            let record = epoch.record, generator = trainer.samplingGenerator
            // The snapshot goes up before the record, so a client that sees the epoch can
            // sample it; the artifacts order their own writes (JobArtifacts.commit).
            let tiles = gate.run { PGMGrid.pixels(generator.generate(noise: noise)) }
            active.publish(trainer.snapshot())
            let commit = EpochCommit(record: record, imagesPerSecond: Double(imagesPerEpoch) / max(record.seconds, 1e-9),
                                     samples: tiles, checkpoint: Checkpoint.encode(trainer),
                                     bestGenerator: epoch.isBest ? Checkpoint.encode(trainer, kind: .generatorOnly) : nil)
            try self.record(commit, job: id, active: active)
            notifier.notify(id)
        })
        if trainer.epochsCompleted >= config.training.epochs {
            try transition(id, active, to: .completed, finishedAt: Date())
            logger.info("job \(id) completed \(config.training.epochs) epoch\(config.training.epochs == 1 ? "" : "s")", metadata: ["job": "\(id)"])
            status("idle")
        }
    }

    /// Commits an epoch. A shared store that fails is tried again, with backoff, for up to
    /// a lease: a restart of the database costs a pause, not the epoch. A COMMIT whose
    /// answer was lost may have landed; the job's row says so before a retry.
    private func record(_ commit: EpochCommit, job id: String, active: ActiveJob) throws {
        guard let leases else { return try artifacts.commit(commit, job: id) }
        let deadline = Date().addingTimeInterval(leases.leaseSeconds)
        var delay = 0.2
        while true {
            do {
                return try artifacts.commit(commit, job: id)
            } catch let failure as StoreFailure {
                guard Date().addingTimeInterval(delay) < deadline, !active.shouldStop else { throw failure }
                logger.warning("job \(id): cannot record epoch \(commit.record.epoch) (\(failure)); trying again in \(String(format: "%.1f", delay)) s",
                               metadata: ["job": "\(id)"])
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 2)
                if let stored = try? store.job(id: id), stored.epochsCompleted >= commit.record.epoch { return }
            }
        }
    }

    /// Scores the generator under the BLAS gate, taken per 1,000-digit chunk so a sampling
    /// request waits for about 10 ms, not the whole evaluation.
    private func evaluate(_ generator: some ImageGenerator, with reference: QualityReference, config: JobConfig,
                          progress: (Double) -> Void) -> EpochEvaluation {
        let started = Date()
        // One call per 1,000-digit chunk, then one for the statistics.
        let chunks = (config.evalSamples + 999) / 1_000 + 1
        var done = 0
        let scores = reference.scores(of: generator, count: config.evalSamples,
                                      seed: QualityReference.evaluationSeed(trainingSeed: config.training.seed),
                                      exclusive: { body in
                                          gate.run(body)
                                          done += 1
                                          progress(min(1, Double(done) / Double(chunks)))
                                      })
        return EpochEvaluation(scores: scores, samples: config.evalSamples, seconds: Date().timeIntervalSince(started))
    }

    private func resumeOrStart(_ job: Job) throws -> ModelTrainer {
        guard let bytes = try artifacts.checkpoint(of: job.id) else { return ModelTrainer(config: job.config.training) }
        let trainer = try Checkpoint.decode(bytes).trainer
        guard trainer.config == job.config.training else {
            throw CheckpointError.inconsistent("job \(job.id)'s checkpoint was written for a different configuration")
        }
        logger.info("job \(job.id) resumes from its checkpoint after epoch \(trainer.epochsCompleted)", metadata: ["job": "\(job.id)"])
        return trainer
    }

    /// The error a person reads on the job: the error's own sentence, not a type dump,
    /// and no path of the server's state folder (the log line names it).
    package static func sentence(for error: any Error) -> String {
        (error as? CheckpointError)?.clientDescription ?? String(describing: error)
    }
}
