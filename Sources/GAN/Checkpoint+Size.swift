/// How large a checkpoint of a configuration is, known before training: what the disk
/// estimate of a job (`JobConfig.diskEstimateBytes`) adds up.
extension Checkpoint {
    /// Bytes of the header, the tensor names and their shapes, over the tensors' values:
    /// about 1.4 KiB in a full MLP checkpoint of 28 tensors and 2.5 KiB in a convolutional one
    /// of 58; 4 KiB leaves room for the fields and names a later version adds.
    static let overheadBound = 4096

    /// At least the size of a `kind` checkpoint of `config`, and at most 4 KiB more: a full
    /// one holds both networks, both Adam moments and the averaged generator; a
    /// generator-only one the generator that samples.
    public static func sizeBound(of config: TrainingConfig, kind: Kind) -> Int {
        let g = config.generatorParameters, d = config.discriminatorParameters
        let gState = g + config.generatorBuffers, dState = d + config.discriminatorBuffers
        let values = switch kind {
        case .full: gState + dState + 2 * (g + d) + (config.emaDecay > 0 ? gState : 0)
        case .generatorOnly: gState
        }
        return 4 * values + overheadBound
    }
}
