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
