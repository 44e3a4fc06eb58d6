import GAN

/// Something about a job's results a person should look at, shown in the job's `warnings`.
package struct JobWarning: Encodable, Equatable {
    let code: String
    let epoch: Int
    let message: String

    /// More than this share of samples in one class reads as the generator collapsing
    /// onto few digits (a good generator puts about 10% in each).
    static let modeCollapseShare = 0.4

    /// Warnings about the job's latest evaluation.
    package static func warnings(for job: Job) -> [JobWarning] {
        guard let evaluated = job.lastEvaluated, let scores = evaluated.evaluation?.scores else { return [] }
        let total = scores.classCounts.reduce(0, +)
        guard total > 0, scores.largestClassShare > modeCollapseShare,
              let digit = scores.classCounts.indices.max(by: { scores.classCounts[$0] < scores.classCounts[$1] }) else { return [] }
        let percent = Int((scores.largestClassShare * 100).rounded())
        return [JobWarning(code: "mode_collapse", epoch: evaluated.epoch, message:
            "at epoch \(evaluated.epoch), \(percent)% of \(total) samples are classified as \(digit) (more than 40% in one class): "
            + "the generator may be collapsing onto a few digits")]
    }
}
