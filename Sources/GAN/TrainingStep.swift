import Layers
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
/// (products are split by rows of their result, never along the sum, and only at
/// boundaries where every OpenBLAS kernel computes a row the same way: `rowMultiple`,
/// `rowMinimum`), so one lane and several give the same bits on every kernel; the tests
/// hold that, each kernel forced in a child process.
struct TrainingStep: @unchecked Sendable {
    // @unchecked: blocks (pointers into the trainer's pinned storage) handed to the lanes
    // of one `LaneGroup.run`; each lane writes only its own rows, and runs are ordered.
    let generator: NetworkBlocks
    let discriminator: NetworkBlocks
    /// Adam's moments, by slot: each network's hidden weight, hidden bias, output weight, output bias.
    typealias Moments = (first: UnsafeBufferPointer<MatrixBlock>, second: UnsafeBufferPointer<MatrixBlock>)
    let generatorMoments: Moments
    let discriminatorMoments: Moments
    let generatorAdam: Adam.Rule
    let discriminatorAdam: Adam.Rule
    let generatorRate: Float
    let discriminatorRate: Float
    let work: TrainingWorkspace.Blocks
    let batch: Int
    let alpha: Float
    let smooth: Float
    /// D's hidden-layer dropout: the rate (0: none) and the mask keys of its update's
    /// pass (rows 0..<2·batch) and of the generator's pass (rows 0..<batch).
    let dropoutRate: Float
    let discriminatorMaskKey: UInt64
    let generatorMaskKey: UInt64
    /// Where the real rows come from, when the step draws them itself (else they are staged).
    let images: TrainingImages?
    let indices: UnsafeBufferPointer<Int>

    typealias Buffer = TrainingWorkspace.Buffer

    /// Products are split at multiples of 24 rows. OpenBLAS's kernels take a row-major
    /// product's rows in tiles (2 for its generic SSE kernels, 8 or 16 for some, 12 for
    /// Haswell and Zen) and compute a row differently where it falls in a partial tile;
    /// 24 is a whole number of every tile seen (measured for every core Debian's 0.3.21
    /// offers: docs/determinism.md).
    static let rowMultiple = 24

    /// The fewest batch rows a lane takes. The AVX-512 kernels (SkylakeX, Cooperlake)
    /// send products of at most 10⁶ multiply-adds to "small matrix" kernels that sum a
    /// 784-long inner dimension in one pass, where the full product's blocked path sums it
    /// in two: a share must stay above that size whenever the whole product is. The
    /// products with that inner dimension are D's hidden layer (N = d_hidden) and the
    /// image gradient through G's output layer (N = g_hidden).
    static func rowMinimum(batch: Int, inner: Int, dHidden: Int, gHidden: Int) -> Int {
        let small = 1_000_000
        func rows(_ n: Int) -> Int { batch * inner * n > small ? small / (inner * n) + 1 : 1 }
        return max(rows(dHidden), rows(gHidden))
    }

    /// This lane's rows of the batch.
    private func rowShare(lane: Int, lanes: Int) -> Range<Int> {
        let minimum = Self.rowMinimum(batch: batch, inner: discriminator.hidden.weight.rows,
                                      dHidden: discriminator.hidden.weight.columns, gHidden: generator.output.weight.rows)
        return LaneGroup.share(of: batch, lane: lane, lanes: lanes, multiple: Self.rowMultiple, minimum: minimum)
    }

    /// Rows `range` of the fake half of D's input (the bottom half), labels included.
    private func fakeRows(_ range: Range<Int>) -> MatrixBlock {
        work[.discriminatorInput].rows((batch + range.lowerBound)..<(batch + range.upperBound))
    }

    /// The image columns of `rows` of D's input (a conditional model's labels follow them).
    private func imageColumns(_ rows: MatrixBlock) -> MatrixBlock { rows.columns(0..<TrainingConfig.imagePixels) }

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
        let rows = rowShare(lane: lane, lanes: lanes)
        let input = work[.discriminatorInput]
        if let images { images.fill(imageColumns(input.rows(rows)), indices: UnsafeBufferPointer(rebasing: indices[rows])) }

        // G(z) for this lane's noise rows.
        let hiddenPre = work[.generatorHiddenPre].rows(rows), hidden = work[.generatorHidden].rows(rows)
        MatrixBlock.multiply(work[.noise].rows(rows), generator.hidden.weight, into: hiddenPre)
        Activation.addBiasLeakyReLU(hiddenPre, bias: generator.hidden.bias.base, alpha: alpha, into: hidden)
        let outputPre = work[.generatorOutputPre].rows(rows)
        MatrixBlock.multiply(hidden, generator.output.weight, into: outputPre)
        Activation.addBiasTanh(outputPre, bias: generator.output.bias.base, into: imageColumns(fakeRows(rows)))

        // D on the lane's real rows, then on its fake rows.
        discriminatorForward(rows: rows, label: 1 - smooth)
        discriminatorForward(rows: (batch + rows.lowerBound)..<(batch + rows.upperBound), label: 0)
    }

    /// D on rows `share` of its input (all real or all fake, labelled `label`), the
    /// losses, and the gradient back to its hidden layer.
    private func discriminatorForward(rows share: Range<Int>, label: Float) {
        let pre = work[.bothHiddenPre].rows(share), post = work[.bothHidden].rows(share)
        MatrixBlock.multiply(work[.discriminatorInput].rows(share), discriminator.hidden.weight, into: pre)
        Activation.addBiasLeakyReLU(pre, bias: discriminator.hidden.bias.base, alpha: alpha, into: post)
        DropoutMask.apply(post, firstRow: share.lowerBound, key: discriminatorMaskKey, rate: dropoutRate)
        let logits = work[.bothLogits].rows(share), logitGradient = work[.bothLogitGradient].rows(share)
        Self.logits(of: post, weight: discriminator.output, into: logits)
        SigmoidCrossEntropy.rowTerms(
            logits: logits, label: label, gradientScale: 1 / Float(batch), gradients: logitGradient,
            losses: work[.rowLosses].rows(share), sigmoids: work[.rowSigmoids].rows(share))
        let hiddenGradient = work[.bothHiddenGradient].rows(share)
        MatrixBlock.multiply(logitGradient, discriminator.output.weight, into: hiddenGradient, transposeB: .transposed)
        DropoutMask.apply(hiddenGradient, firstRow: share.lowerBound, key: discriminatorMaskKey, rate: dropoutRate)
        Activation.leakyReLUBackward(hiddenGradient, preActivation: pre, alpha: alpha)
    }

    func discriminatorUpdate(lane: Int, lanes: Int) {
        let share = (lane: lane, lanes: lanes)
        updateShare(of: discriminator.hidden, input: work[.discriminatorInput], outputGradient: work[.bothHiddenGradient],
                    moments: discriminatorMoments, slots: (0, 1), rule: discriminatorAdam, rate: discriminatorRate, share: share)
        updateShare(of: discriminator.output, input: work[.bothHidden], outputGradient: work[.bothLogitGradient],
                    moments: discriminatorMoments, slots: (2, 3), rule: discriminatorAdam, rate: discriminatorRate, share: share)
    }

    /// This lane's share of one dense layer's update: rows `inputs` of the weight
    /// gradient (`dW = xᵀ dy`, summed over the whole batch), columns `outputs` of the
    /// bias gradient (`db = Σ dy`), and Adam on exactly those elements, so no other
    /// lane reads or writes them.
    private func updateShare(
        of layer: DenseBlocks, input: MatrixBlock, outputGradient: MatrixBlock, moments: Moments,
        slots: (weight: Int, bias: Int), rule: Adam.Rule, rate: Float, share: (lane: Int, lanes: Int)
    ) {
        let inputs = LaneGroup.share(of: layer.weight.rows, lane: share.lane, lanes: share.lanes, multiple: Self.rowMultiple)
        let outputs = LaneGroup.share(of: layer.weight.columns, lane: share.lane, lanes: share.lanes, multiple: 16)
        MatrixBlock.multiply(input.columns(inputs), outputGradient, into: layer.weightGradient.rows(inputs), transposeA: .transposed)
        Elementwise.columnSums(outputGradient.columns(outputs), into: layer.biasGradient.base + outputs.lowerBound)
        rule.apply(rate: rate, parameter: layer.weight.rows(inputs), gradient: layer.weightGradient.rows(inputs),
                   first: moments.first[slots.weight].rows(inputs), second: moments.second[slots.weight].rows(inputs))
        rule.apply(rate: rate, parameter: layer.bias.columns(outputs), gradient: layer.biasGradient.columns(outputs),
                   first: moments.first[slots.bias].columns(outputs), second: moments.second[slots.bias].columns(outputs))
    }

    func generatorBackward(lane: Int, lanes: Int) {
        let rows = rowShare(lane: lane, lanes: lanes)
        let d = discriminator, input = fakeRows(rows), images = imageColumns(input)
        // The updated D on G(z): G has not moved, so its images are reused.
        let pre = work[.fakeHiddenPre].rows(rows), post = work[.fakeHidden].rows(rows)
        MatrixBlock.multiply(input, d.hidden.weight, into: pre)
        Activation.addBiasLeakyReLU(pre, bias: d.hidden.bias.base, alpha: alpha, into: post)
        DropoutMask.apply(post, firstRow: rows.lowerBound, key: generatorMaskKey, rate: dropoutRate)
        let logits = work[.fakeLogits].rows(rows), logitGradient = work[.fakeLogitGradient].rows(rows)
        Self.logits(of: post, weight: d.output, into: logits)
        let generatorRows = (2 * batch + rows.lowerBound)..<(2 * batch + rows.upperBound)
        SigmoidCrossEntropy.rowTerms(logits: logits, label: 1, gradientScale: 1 / Float(batch), gradients: logitGradient,
                                     losses: work[.rowLosses].rows(generatorRows), sigmoids: work[.rowSigmoids].rows(generatorRows))

        // Back through D to its input, through tanh, and through G's output layer.
        let hiddenGradient = work[.fakeHiddenGradient].rows(rows)
        MatrixBlock.multiply(logitGradient, d.output.weight, into: hiddenGradient, transposeB: .transposed)
        DropoutMask.apply(hiddenGradient, firstRow: rows.lowerBound, key: generatorMaskKey, rate: dropoutRate)
        Activation.leakyReLUBackward(hiddenGradient, preActivation: pre, alpha: alpha)
        let imageGradient = work[.imageGradient].rows(rows)
        // Only the image's gradient: the label inputs are constants.
        MatrixBlock.multiply(hiddenGradient, d.hidden.weight.rows(0..<TrainingConfig.imagePixels), into: imageGradient, transposeB: .transposed)
        Activation.tanhBackward(imageGradient, output: images)
        let generatorHiddenGradient = work[.generatorHiddenGradient].rows(rows)
        MatrixBlock.multiply(imageGradient, generator.output.weight, into: generatorHiddenGradient, transposeB: .transposed)
        Activation.leakyReLUBackward(generatorHiddenGradient, preActivation: work[.generatorHiddenPre].rows(rows), alpha: alpha)
    }

    func generatorUpdate(lane: Int, lanes: Int) {
        let share = (lane: lane, lanes: lanes)
        updateShare(of: generator.hidden, input: work[.noise], outputGradient: work[.generatorHiddenGradient],
                    moments: generatorMoments, slots: (0, 1), rule: generatorAdam, rate: generatorRate, share: share)
        updateShare(of: generator.output, input: work[.generatorHidden], outputGradient: work[.imageGradient],
                    moments: generatorMoments, slots: (2, 3), rule: generatorAdam, rate: generatorRate, share: share)
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

/// The step's phases as the lanes' work: one object per trainer, handed the step and
/// the phase before each run, so running a phase allocates nothing.
final class TrainingPhases: LaneWork, @unchecked Sendable {
    // @unchecked: `step` and `phase` are written by the trainer between runs and read by
    // the lanes during one; `LaneGroup.run` orders the writes before the reads.
    enum Phase { case discriminatorForward, discriminatorUpdate, generatorBackward, generatorUpdate }

    /// Set by the trainer before a run and read by the lanes after it starts (the run's
    /// start orders the two); nil outside a step, whose blocks it points into.
    var step: TrainingStep?
    var phase = Phase.discriminatorForward

    func run(lane: Int, of lanes: Int) {
        guard let step else { preconditionFailure("a training phase ran outside a step") }
        switch phase {
        case .discriminatorForward: step.discriminatorForward(lane: lane, lanes: lanes)
        case .discriminatorUpdate: step.discriminatorUpdate(lane: lane, lanes: lanes)
        case .generatorBackward: step.generatorBackward(lane: lane, lanes: lanes)
        case .generatorUpdate: step.generatorUpdate(lane: lane, lanes: lanes)
        }
    }
}
