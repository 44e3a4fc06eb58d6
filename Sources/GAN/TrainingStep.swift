import Linalg

/// One training step (the notebook's two `sess.run` calls) as four phases, each split
/// across the lanes of a `LaneGroup` with nothing shared between lanes inside a phase.
///
/// - `discriminatorForward`: each lane takes a share of the batch's rows: draws its real
///   images, runs G on its noise rows (writing G(z) straight into the discriminator's
///   input), D on its real and fake rows, the losses and the gradient back to D's hidden layer.
/// - `discriminatorUpdate`: each lane takes a share of D's parameters (rows of a weight,
///   columns of a bias): their gradients (sums over the whole batch) and their Adam update.
/// - `generatorBackward`: rows again: D (updated) on the lane's fake rows, the generator's
///   loss and its gradient back through D and G to G's hidden layer.
/// - `generatorUpdate`: a share of G's parameters: gradients and Adam update.
///
/// Every output element is computed by the same operations whatever the lane count
/// (products are split by rows or columns of their result, never along the sum), so
/// one lane and several give the same bits; the tests hold that.
struct TrainingStep: @unchecked Sendable {
    let generator: NetworkBlocks
    let discriminator: NetworkBlocks
    let generatorMoments: (first: UnsafeBufferPointer<MatrixBlock>, second: UnsafeBufferPointer<MatrixBlock>)
    let discriminatorMoments: (first: UnsafeBufferPointer<MatrixBlock>, second: UnsafeBufferPointer<MatrixBlock>)
    let generatorAdam: Adam.Rule
    let discriminatorAdam: Adam.Rule
    let generatorRate: Float
    let discriminatorRate: Float
    let work: TrainingWorkspace.Blocks
    let batch: Int
    let alpha: Float
    let smooth: Float
    /// Where the real rows come from, when the step draws them itself (else they are staged).
    let images: TrainingImages?
    let indices: UnsafeBufferPointer<Int>

    typealias Buffer = TrainingWorkspace.Buffer

    /// Rows `range` of the batch of fake images (the bottom half of D's input).
    private func fakeRows(_ range: Range<Int>) -> MatrixBlock {
        work[.discriminatorInput].rows((batch + range.lowerBound)..<(batch + range.upperBound))
    }

    /// `logits = hidden · w + b` for D's one-unit output layer, computed as the row
    /// `wᵀ · hiddenᵀ`. OpenBLAS's one-column kernel rounds a row differently depending
    /// on where it falls in the call (it takes rows four at a time); the one-row form
    /// gives every split of the rows the same bits (checked for all 199 splits of 200).
    private static func logits(of hidden: MatrixBlock, weight layer: DenseBlocks, into logits: MatrixBlock) {
        precondition(logits.columns == 1 && logits.isContiguous && layer.weight.columns == 1)
        let row = MatrixBlock(base: logits.base, rows: 1, columns: logits.rows, stride: max(logits.rows, 1))
        MatrixBlock.multiply(layer.weight, hidden, into: row, transposeA: .transposed, transposeB: .transposed)
        Elementwise.addRowVector(logits, bias: layer.bias.base)
    }

    func discriminatorForward(lane: Int, lanes: Int) {
        let rows = LaneGroup.share(of: batch, lane: lane, lanes: lanes)
        let input = work[.discriminatorInput]
        if let images { images.fill(input.rows(rows), indices: UnsafeBufferPointer(rebasing: indices[rows])) }

        // G(z) for this lane's noise rows.
        let hiddenPre = work[.generatorHiddenPre].rows(rows), hidden = work[.generatorHidden].rows(rows)
        MatrixBlock.multiply(work[.noise].rows(rows), generator.hidden.weight, into: hiddenPre)
        Activation.addBiasLeakyReLU(hiddenPre, bias: generator.hidden.bias.base, alpha: alpha, into: hidden)
        let outputPre = work[.generatorOutputPre].rows(rows)
        MatrixBlock.multiply(hidden, generator.output.weight, into: outputPre)
        Activation.addBiasTanh(outputPre, bias: generator.output.bias.base, into: fakeRows(rows))

        // D on the lane's real rows and fake rows: one block of all 2·batch rows when alone.
        if lanes == 1 {
            discriminatorForward(rows: 0..<(2 * batch))
        } else {
            discriminatorForward(rows: rows)
            discriminatorForward(rows: (batch + rows.lowerBound)..<(batch + rows.upperBound))
        }
    }

    /// D on rows `share` of its input, the losses, and the gradient back to its hidden layer.
    private func discriminatorForward(rows share: Range<Int>) {
        let pre = work[.bothHiddenPre].rows(share), post = work[.bothHidden].rows(share)
        MatrixBlock.multiply(work[.discriminatorInput].rows(share), discriminator.hidden.weight, into: pre)
        Activation.addBiasLeakyReLU(pre, bias: discriminator.hidden.bias.base, alpha: alpha, into: post)
        let logits = work[.bothLogits].rows(share), logitGradient = work[.bothLogitGradient].rows(share)
        Self.logits(of: post, weight: discriminator.output, into: logits)
        // Real rows are labelled 1 - smooth, fake rows 0.
        lossTerms(rows: share.clamped(to: 0..<batch), label: 1 - smooth)
        lossTerms(rows: share.clamped(to: batch..<(2 * batch)), label: 0)
        let hiddenGradient = work[.bothHiddenGradient].rows(share)
        MatrixBlock.multiply(logitGradient, discriminator.output.weight, into: hiddenGradient, transposeB: .transposed)
        Activation.leakyReLUBackward(hiddenGradient, preActivation: pre, alpha: alpha)
    }

    private func lossTerms(rows part: Range<Int>, label: Float) {
        SigmoidCrossEntropy.rowTerms(
            logits: work[.bothLogits].rows(part), label: label, gradientScale: 1 / Float(batch),
            gradients: work[.bothLogitGradient].rows(part), losses: work[.rowLosses].rows(part),
            sigmoids: work[.rowSigmoids].rows(part))
    }

    func discriminatorUpdate(lane: Int, lanes: Int) {
        let d = discriminator, (first, second) = discriminatorMoments
        let pixels = LaneGroup.share(of: TrainingConfig.imagePixels, lane: lane, lanes: lanes)
        let units = LaneGroup.share(of: d.hidden.weight.columns, lane: lane, lanes: lanes, multiple: 16)
        let hiddenGradient = work[.bothHiddenGradient], logitGradient = work[.bothLogitGradient]
        // dW1 = xᵀ dh, this lane's rows of it (its pixels).
        MatrixBlock.multiply(work[.discriminatorInput].columns(pixels), hiddenGradient,
                             into: d.hidden.weightGradient.rows(pixels), transposeA: .transposed)
        Elementwise.columnSums(hiddenGradient.columns(units), into: d.hidden.biasGradient.base + units.lowerBound)
        MatrixBlock.multiply(work[.bothHidden].columns(units), logitGradient,
                             into: d.output.weightGradient.rows(units), transposeA: .transposed)
        if lane == 0 { Elementwise.columnSums(logitGradient, into: d.output.biasGradient.base) }

        let rate = discriminatorRate
        discriminatorAdam.apply(rate: rate, parameter: d.hidden.weight.rows(pixels), gradient: d.hidden.weightGradient.rows(pixels),
                   first: first[0].rows(pixels), second: second[0].rows(pixels))
        discriminatorAdam.apply(rate: rate, parameter: d.hidden.bias.columns(units), gradient: d.hidden.biasGradient.columns(units),
                   first: first[1].columns(units), second: second[1].columns(units))
        discriminatorAdam.apply(rate: rate, parameter: d.output.weight.rows(units), gradient: d.output.weightGradient.rows(units),
                   first: first[2].rows(units), second: second[2].rows(units))
        if lane == 0 {
            discriminatorAdam.apply(rate: rate, parameter: d.output.bias, gradient: d.output.biasGradient, first: first[3], second: second[3])
        }
    }

    func generatorBackward(lane: Int, lanes: Int) {
        let rows = LaneGroup.share(of: batch, lane: lane, lanes: lanes)
        let d = discriminator, images = fakeRows(rows)
        // The updated D on G(z): G has not moved, so its images are reused.
        let pre = work[.fakeHiddenPre].rows(rows), post = work[.fakeHidden].rows(rows)
        MatrixBlock.multiply(images, d.hidden.weight, into: pre)
        Activation.addBiasLeakyReLU(pre, bias: d.hidden.bias.base, alpha: alpha, into: post)
        let logits = work[.fakeLogits].rows(rows), logitGradient = work[.fakeLogitGradient].rows(rows)
        Self.logits(of: post, weight: d.output, into: logits)
        let generatorRows = (2 * batch + rows.lowerBound)..<(2 * batch + rows.upperBound)
        SigmoidCrossEntropy.rowTerms(logits: logits, label: 1, gradientScale: 1 / Float(batch), gradients: logitGradient,
                                     losses: work[.rowLosses].rows(generatorRows), sigmoids: work[.rowSigmoids].rows(generatorRows))

        // Back through D to its input, through tanh, and through G's output layer.
        let hiddenGradient = work[.fakeHiddenGradient].rows(rows)
        MatrixBlock.multiply(logitGradient, d.output.weight, into: hiddenGradient, transposeB: .transposed)
        Activation.leakyReLUBackward(hiddenGradient, preActivation: pre, alpha: alpha)
        let imageGradient = work[.imageGradient].rows(rows)
        MatrixBlock.multiply(hiddenGradient, d.hidden.weight, into: imageGradient, transposeB: .transposed)
        Activation.tanhBackward(imageGradient, output: images)
        let generatorHiddenGradient = work[.generatorHiddenGradient].rows(rows)
        MatrixBlock.multiply(imageGradient, generator.output.weight, into: generatorHiddenGradient, transposeB: .transposed)
        Activation.leakyReLUBackward(generatorHiddenGradient, preActivation: work[.generatorHiddenPre].rows(rows), alpha: alpha)
    }

    func generatorUpdate(lane: Int, lanes: Int) {
        let g = generator, (first, second) = generatorMoments
        let units = LaneGroup.share(of: g.output.weight.rows, lane: lane, lanes: lanes)
        let unitColumns = LaneGroup.share(of: g.hidden.weight.columns, lane: lane, lanes: lanes, multiple: 16)
        let pixels = LaneGroup.share(of: TrainingConfig.imagePixels, lane: lane, lanes: lanes, multiple: 16)
        let noiseColumns = LaneGroup.share(of: g.hidden.weight.rows, lane: lane, lanes: lanes)
        let imageGradient = work[.imageGradient], hiddenGradient = work[.generatorHiddenGradient]
        MatrixBlock.multiply(work[.generatorHidden].columns(units), imageGradient,
                             into: g.output.weightGradient.rows(units), transposeA: .transposed)
        Elementwise.columnSums(imageGradient.columns(pixels), into: g.output.biasGradient.base + pixels.lowerBound)
        MatrixBlock.multiply(work[.noise].columns(noiseColumns), hiddenGradient,
                             into: g.hidden.weightGradient.rows(noiseColumns), transposeA: .transposed)
        Elementwise.columnSums(hiddenGradient.columns(unitColumns), into: g.hidden.biasGradient.base + unitColumns.lowerBound)

        let rate = generatorRate
        generatorAdam.apply(rate: rate, parameter: g.hidden.weight.rows(noiseColumns), gradient: g.hidden.weightGradient.rows(noiseColumns),
                   first: first[0].rows(noiseColumns), second: second[0].rows(noiseColumns))
        generatorAdam.apply(rate: rate, parameter: g.hidden.bias.columns(unitColumns), gradient: g.hidden.biasGradient.columns(unitColumns),
                   first: first[1].columns(unitColumns), second: second[1].columns(unitColumns))
        generatorAdam.apply(rate: rate, parameter: g.output.weight.rows(units), gradient: g.output.weightGradient.rows(units),
                   first: first[2].rows(units), second: second[2].rows(units))
        generatorAdam.apply(rate: rate, parameter: g.output.bias.columns(pixels), gradient: g.output.biasGradient.columns(pixels),
                   first: first[3].columns(pixels), second: second[3].columns(pixels))
    }

    /// The means the step reports, summed in row order after every lane is done.
    func losses() -> StepLosses {
        let losses = work[.rowLosses], sigmoids = work[.rowSigmoids]
        let real = SigmoidCrossEntropy.means(losses: losses, sigmoids: sigmoids, rows: 0..<batch)
        let fake = SigmoidCrossEntropy.means(losses: losses, sigmoids: sigmoids, rows: batch..<(2 * batch))
        let generator = SigmoidCrossEntropy.means(losses: losses, sigmoids: sigmoids, rows: (2 * batch)..<(3 * batch))
        return StepLosses(dLoss: real.loss + fake.loss, dLossReal: real.loss, dLossFake: fake.loss,
                          gLoss: generator.loss, dRealMean: real.meanSigmoid, dFakeMean: fake.meanSigmoid)
    }
}
