import Linalg

/// The MLP's tensors: each network's hidden and output layer (weight, bias), the
/// optimizers' moments four by four, the averaged generator's four last.
extension GANTrainer: CheckpointTensors {
    func namedTensors(kind: Checkpoint.Kind) -> [(String, Matrix)] {
        let g = kind == .full ? generator : samplingGenerator, d = discriminator
        var list: [(String, Matrix)] = [
            ("generator.hidden.weight", g.hidden.weight), ("generator.hidden.bias", g.hidden.bias),
            ("generator.output.weight", g.output.weight), ("generator.output.bias", g.output.bias),
        ]
        guard kind == .full else { return list }
        list += [
            ("discriminator.hidden.weight", d.hidden.weight), ("discriminator.hidden.bias", d.hidden.bias),
            ("discriminator.output.weight", d.output.weight), ("discriminator.output.bias", d.output.bias),
        ]
        for (net, adam) in [("generator", generatorOptimizer), ("discriminator", discriminatorOptimizer)] {
            for (i, m) in adam.firstMoments.enumerated() { list.append(("adam.\(net).m.\(i)", m)) }
            for (i, v) in adam.secondMoments.enumerated() { list.append(("adam.\(net).v.\(i)", v)) }
        }
        if let average = averagedGenerator {
            list += [
                ("generator.average.hidden.weight", average.hidden.weight), ("generator.average.hidden.bias", average.hidden.bias),
                ("generator.average.output.weight", average.output.weight), ("generator.average.output.bias", average.output.bias),
            ]
        }
        return list
    }

    mutating func restore(_ loaded: [Matrix], kind: Checkpoint.Kind) {
        generator.hidden = Dense(weight: loaded[0], bias: loaded[1])
        generator.output = Dense(weight: loaded[2], bias: loaded[3])
        // A generator-only file holds the generator samples come from: with an average
        // on, that is the average (and the trained weights are not in the file).
        if averagedGenerator != nil { averagedGenerator = generator }
        guard kind == .full else { return }
        discriminator.hidden = Dense(weight: loaded[4], bias: loaded[5])
        discriminator.output = Dense(weight: loaded[6], bias: loaded[7])
        generatorOptimizer.firstMoments = Array(loaded[8..<12])
        generatorOptimizer.secondMoments = Array(loaded[12..<16])
        discriminatorOptimizer.firstMoments = Array(loaded[16..<20])
        discriminatorOptimizer.secondMoments = Array(loaded[20..<24])
        if averagedGenerator != nil {
            averagedGenerator?.hidden = Dense(weight: loaded[24], bias: loaded[25])
            averagedGenerator?.output = Dense(weight: loaded[26], bias: loaded[27])
        }
    }
}
