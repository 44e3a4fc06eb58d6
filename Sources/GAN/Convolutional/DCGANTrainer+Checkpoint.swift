import Layers
import Linalg

/// The convolutional model's tensors, named as PyTorch's `state_dict` of each
/// `nn.Sequential` names them under `generator.` and `discriminator.` (parameters, then
/// BatchNorm's running statistics), then the optimizers' moments in parameter order,
/// then the averaged generator under `generator.average.`.
extension DCGANTrainer: CheckpointTensors {
    func namedTensors(kind: Checkpoint.Kind) -> [(String, Matrix)] {
        func state(_ network: Sequential, _ prefix: String) -> [(String, Matrix)] {
            (network.parameters + network.buffers).map { ("\(prefix).\($0.name)", $0.value) }
        }
        guard kind == .full else { return state(averagedGenerator ?? generator, "generator") }
        var list = state(generator, "generator") + state(discriminator, "discriminator")
        for (net, adam) in [("generator", generatorOptimizer), ("discriminator", discriminatorOptimizer)] {
            for (i, m) in adam.firstMoments.enumerated() { list.append(("adam.\(net).m.\(i)", m)) }
            for (i, v) in adam.secondMoments.enumerated() { list.append(("adam.\(net).v.\(i)", v)) }
        }
        if let averagedGenerator { list += state(averagedGenerator, "generator.average") }
        return list
    }

    mutating func restore(_ loaded: [Matrix], kind: Checkpoint.Kind) {
        var rest = loaded[...]
        func take(_ count: Int) -> [Matrix] {
            defer { rest = rest.dropFirst(count) }
            return Array(rest.prefix(count))
        }
        func restore(_ network: inout Sequential) {
            network.setParameters(take(network.parameters.count))
            network.setBuffers(take(network.buffers.count))
        }
        restore(&generator)
        // A generator-only file holds the generator samples come from: with an average
        // on, that is the average (and the trained weights are not in the file).
        if averagedGenerator != nil { averagedGenerator = generator }
        guard kind == .full else { return }
        restore(&discriminator)
        func restore(_ adam: inout Adam) {
            adam.firstMoments = take(adam.firstMoments.count)
            adam.secondMoments = take(adam.secondMoments.count)
        }
        restore(&generatorOptimizer)
        restore(&discriminatorOptimizer)
        if var average = averagedGenerator {
            restore(&average)
            averagedGenerator = average
        }
    }
}
