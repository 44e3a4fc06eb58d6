import GAN

/// What a job writes to the state folder, known before it is queued: the bound that
/// `disk_budget_bytes` and the free-space check at admission compare against.
extension JobConfig {
    /// One epoch's loss record: its line in `epochs.jsonl` and its row in the store
    /// (with its index entry). Both are a few hundred bytes (measured in
    /// docs/measurements/disk-estimate-2026-12-06.md); 2 KiB holds them with scores.
    static let epochRecordBound = 2048
    /// The job's row, its folder and the store's page slack.
    static let jobOverheadBound = 1 << 20

    /// Bytes each epoch adds and keeps: its fixed-noise samples and its loss record.
    public var diskBytesPerEpoch: Int { samplesPerEpoch * TrainingConfig.imagePixels + Self.epochRecordBound }

    /// Bytes the latest checkpoint and the best generator take at their largest: each is
    /// rewritten whole beside the old copy (written, synced, then renamed over it), so two
    /// copies of each exist for a moment.
    public var diskBytesRewritten: Int {
        2 * (Checkpoint.sizeBound(of: training, kind: .full) + Checkpoint.sizeBound(of: training, kind: .generatorOnly))
    }

    /// The most this job takes on disk by its end: every epoch's samples and record, the
    /// two rewritten files at their largest, and its row.
    public var diskEstimateBytes: Int { training.epochs * diskBytesPerEpoch + diskBytesRewritten + Self.jobOverheadBound }

    /// What a job that has recorded `epochsCompleted` epochs may still add: the epochs to
    /// come, and once it has files, only the second copy a rewrite makes of each.
    public func diskBytesStillToWrite(epochsCompleted: Int) -> Int {
        let epochsLeft = max(0, training.epochs - epochsCompleted)
        guard epochsCompleted > 0 else { return diskEstimateBytes }
        return epochsLeft * diskBytesPerEpoch + diskBytesRewritten / 2
    }
}
