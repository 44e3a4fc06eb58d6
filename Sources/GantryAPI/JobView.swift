import Foundation
import GAN
import GantryJobs

/// A job as the API shows it (docs/api.md, "the job object"). Absent values are `null`, not missing.
struct JobView: Encodable {
    let job: Job
    let progress: ActiveJob.Progress?
    /// The job's dataset's yardstick, when it has been built: real data's scores beside the job's.
    let reference: DatasetQuality?

    enum Keys: String, CodingKey {
        case id, status, createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at"
        case config, progress, latest, quality, warnings, error, links, node
    }

    enum QualityKeys: String, CodingKey {
        case evaluatedEpoch = "evaluated_epoch", fd, inceptionScore = "inception_score", largestClassShare = "largest_class_share"
        case bestEpoch = "best_epoch", bestFD = "best_fd", realFD = "real_fd", realInceptionScore = "real_inception_score"
        case conditionalAccuracy = "conditional_accuracy"
    }

    enum ProgressKeys: String, CodingKey {
        case epoch, epochs, step, stepsPerEpoch = "steps_per_epoch", imagesPerSecond = "images_per_second"
        case downloadFraction = "download_fraction", phase, phaseFraction = "phase_fraction", evalEvery = "eval_every"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(job.id, forKey: .id)
        try c.encode(job.status.rawValue, forKey: .status)
        try c.encode(RFC3339.string(job.createdAt), forKey: .createdAt)
        try c.encode(job.startedAt.map(RFC3339.string), forKey: .startedAt)
        try c.encode(job.finishedAt.map(RFC3339.string), forKey: .finishedAt)
        try c.encode(job.config, forKey: .config)
        try c.encode(job.node, forKey: .node)
        var p = c.nestedContainer(keyedBy: ProgressKeys.self, forKey: .progress)
        try p.encode(job.epochsCompleted, forKey: .epoch)
        try p.encode(job.config.training.epochs, forKey: .epochs)
        try p.encode(job.status == .running ? progress?.step ?? 0 : 0, forKey: .step)
        try p.encode(job.stepsPerEpoch, forKey: .stepsPerEpoch)
        try p.encode(job.imagesPerSecond.map { ($0 * 10).rounded() / 10 }, forKey: .imagesPerSecond)
        let phase = Self.phase(of: job, active: progress)
        try p.encode(phase.rawValue, forKey: .phase)
        let fraction = phase == .finished ? nil : progress?.phaseFraction.map { ($0 * 1000).rounded() / 1000 }
        try p.encode(fraction, forKey: .phaseFraction)
        if job.status == .downloading { try p.encode(progress?.phaseFraction ?? 0, forKey: .downloadFraction) }
        // The interval `eval_every` resolves to, once the dataset's size is known.
        try p.encode(job.stepsPerEpoch.map { job.config.evaluationInterval(imagesPerEpoch: $0 * job.config.training.batchSize) },
                     forKey: .evalEvery)
        try c.encode(job.latest, forKey: .latest)
        if let evaluated = job.lastEvaluated, let scores = evaluated.evaluation?.scores {
            var q = c.nestedContainer(keyedBy: QualityKeys.self, forKey: .quality)
            try q.encode(evaluated.epoch, forKey: .evaluatedEpoch)
            try q.encode(scores.fd, forKey: .fd)
            try q.encode(scores.inceptionScore, forKey: .inceptionScore)
            try q.encode(scores.largestClassShare, forKey: .largestClassShare)
            if job.config.training.conditional { try q.encode(scores.conditionalAccuracy, forKey: .conditionalAccuracy) }
            try q.encode(job.best?.epoch, forKey: .bestEpoch)
            try q.encode(job.best?.evaluation?.scores.fd, forKey: .bestFD)
            try q.encode(reference?.real.fd, forKey: .realFD)
            try q.encode(reference?.real.inceptionScore, forKey: .realInceptionScore)
        } else {
            try c.encodeNil(forKey: .quality)
        }
        try c.encode(JobWarning.warnings(for: job), forKey: .warnings)
        try c.encode(job.error, forKey: .error)
        let base = "/v1/jobs/\(job.id)"
        try c.encode([
            "self": base, "losses": base + "/losses", "samples": base + "/samples",
            "progression": base + "/progression", "checkpoint": base + "/checkpoint", "cancel": base + "/cancel",
            "best_samples": base + "/samples?epoch=best", "dataset": "/v1/datasets/\(job.config.dataset)",
        ], forKey: .links)
    }
}

extension JobView {
    /// The live phase while the job has a run, else what its status implies.
    static func phase(of job: Job, active: ActiveJob.Progress?) -> JobPhase {
        if job.status.isFinished { return .finished }
        if let active { return active.phase }
        return job.status == .queued ? .queued : job.status == .downloading ? .downloading : .training
    }
}
