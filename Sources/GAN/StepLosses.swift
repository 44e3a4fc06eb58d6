/// What one training step measured.
///
/// The discriminator's numbers come from its update (before it changes), the
/// generator's loss from the generator's update (against the updated discriminator),
/// exactly the values the notebook's two `sess.run` calls minimise.
public struct StepLosses: Sendable, Equatable {
    public var dLoss: Float
    public var dLossReal: Float
    public var dLossFake: Float
    public var gLoss: Float
    /// Mean D(x) over the real batch and mean D(G(z)) over the fake batch (sigmoid outputs).
    public var dRealMean: Float
    public var dFakeMean: Float
}

/// One epoch's record: the mean of each step figure over the epoch's batches.
///
/// The notebook prints the losses of the last batch only; a mean is steadier and is
/// what Gantry records and prints.
public struct EpochLosses: Sendable, Equatable, Codable {
    public var epoch: Int
    public var dLoss: Double
    public var gLoss: Double
    public var dLossReal: Double
    public var dLossFake: Double
    public var dRealMean: Double
    public var dFakeMean: Double
    public var seconds: Double
    public var steps: Int

    enum CodingKeys: String, CodingKey {
        case epoch, dLoss = "d_loss", gLoss = "g_loss", dLossReal = "d_loss_real", dLossFake = "d_loss_fake"
        case dRealMean = "d_real_mean", dFakeMean = "d_fake_mean", seconds, steps
    }

    public init(epoch: Int, dLoss: Double, gLoss: Double, dLossReal: Double, dLossFake: Double,
                dRealMean: Double, dFakeMean: Double, seconds: Double, steps: Int) {
        self.epoch = epoch
        self.dLoss = dLoss; self.gLoss = gLoss; self.dLossReal = dLossReal; self.dLossFake = dLossFake
        self.dRealMean = dRealMean; self.dFakeMean = dFakeMean; self.seconds = seconds; self.steps = steps
    }

    init(epoch: Int) {
        self.epoch = epoch
        dLoss = 0; gLoss = 0; dLossReal = 0; dLossFake = 0; dRealMean = 0; dFakeMean = 0
        seconds = 0; steps = 0
    }

    mutating func add(_ s: StepLosses) {
        dLoss += Double(s.dLoss); gLoss += Double(s.gLoss)
        dLossReal += Double(s.dLossReal); dLossFake += Double(s.dLossFake)
        dRealMean += Double(s.dRealMean); dFakeMean += Double(s.dFakeMean)
        steps += 1
    }

    mutating func finishMean() {
        let n = Double(max(steps, 1))
        dLoss /= n; gLoss /= n; dLossReal /= n; dLossFake /= n; dRealMean /= n; dFakeMean /= n
    }
}
