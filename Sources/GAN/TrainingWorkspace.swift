import Linalg

/// Every buffer a training step reads or writes, sized once for the batch.
///
/// Not part of a checkpoint: nothing in it outlives a step.
struct TrainingWorkspace: Sendable {
    var noise: Matrix
    var generator: Generator.Activations
    /// Real batch in the first `batch` rows, G(z) in the next `batch`.
    var discriminatorInput: Matrix
    var discriminatorBoth: Discriminator.Activations
    var discriminatorFake: Discriminator.Activations
    var logitGradientBoth: Matrix
    var logitGradientFake: Matrix
    var discriminatorHiddenGradientBoth: Matrix
    var discriminatorHiddenGradientFake: Matrix
    var imageGradient: Matrix
    var generatorHiddenGradient: Matrix
    var order: [Int] = []

    init(config: TrainingConfig) {
        let b = config.batchSize, p = TrainingConfig.imagePixels
        noise = Matrix(rows: b, columns: config.zSize)
        generator = Generator.Activations(batch: b, hiddenUnits: config.gHidden)
        discriminatorInput = Matrix(rows: 2 * b, columns: p)
        discriminatorBoth = Discriminator.Activations(batch: 2 * b, hiddenUnits: config.dHidden)
        discriminatorFake = Discriminator.Activations(batch: b, hiddenUnits: config.dHidden)
        logitGradientBoth = Matrix(rows: 2 * b, columns: 1)
        logitGradientFake = Matrix(rows: b, columns: 1)
        discriminatorHiddenGradientBoth = Matrix(rows: 2 * b, columns: config.dHidden)
        discriminatorHiddenGradientFake = Matrix(rows: b, columns: config.dHidden)
        imageGradient = Matrix(rows: b, columns: p)
        generatorHiddenGradient = Matrix(rows: b, columns: config.gHidden)
    }
}
