import Foundation
import GAN
import GantryTestSupport
import Layers
import Linalg
import ModelExport
import Testing

/// Gantry's ONNX and safetensors files read by the reference implementations (onnx's
/// checker and onnxruntime, safetensors' own loader, from PyPI in the virtual
/// environment scripts/setup makes): onnxruntime draws the images Gantry draws for the
/// same noise and digits, and the safetensors file holds the documented state dict.
@Suite(.needs("onnx, onnxruntime and safetensors (scripts/setup)", FileManager.default.isExecutableFile(atPath: PythonReference.exportPython)))
struct ExportReaderTests {
    /// Each recipe, trained two epochs on synthetic digits so BatchNorm's running
    /// statistics and the average have moved from their initial values.
    static func trained(_ name: String) -> ModelTrainer {
        var config: TrainingConfig
        switch name {
        case "notebook": config = ModelRecipe.notebook.applied(to: TrainingConfig())
        case "improved": config = ModelRecipe.improved.applied(to: TrainingConfig())
        case "conditional": config = ModelRecipe.improved.applied(to: TrainingConfig()); config.conditional = true
        case "dcgan": config = ModelRecipe.dcgan.applied(to: TrainingConfig()); (config.gChannels, config.dChannels) = (16, 8)
        default: config = ModelRecipe.dcgan.applied(to: TrainingConfig()); (config.gChannels, config.dChannels, config.conditional) = (16, 8, true)
        }
        (config.batchSize, config.seed, config.epochs) = (20, 5, 2)
        let digits = LabeledDigits.synthetic(count: 60, seed: 9)
        var trainer = ModelTrainer(config: config)
        for _ in 0..<2 { _ = trainer.trainEpoch(on: digits.images, labels: config.conditional ? digits.labels : nil) }
        return trainer
    }

    static let script = """
        import json, sys
        import numpy as np, onnx, onnxruntime
        from safetensors.numpy import load_file
        d = sys.argv[1]
        model = onnx.load(d + "/generator.onnx")
        onnx.checker.check_model(model, full_check=True)
        meta = {p.key: p.value for p in model.metadata_props}
        z = np.loadtxt(d + "/z.txt", dtype=np.float32).reshape(64, -1)
        feeds = {"z": z}
        if [i.name for i in model.graph.input] == ["z", "digit"]:
            feeds["digit"] = np.loadtxt(d + "/digit.txt").astype(np.int64)
        session = onnxruntime.InferenceSession(d + "/generator.onnx", providers=["CPUExecutionProvider"])
        image = session.run(["image"], feeds)[0]
        expected = np.loadtxt(d + "/images.txt", dtype=np.float32).reshape(64, 1, 28, 28)
        tensors = load_file(d + "/generator.safetensors")
        names = open(d + "/names.txt").read().split()
        stored = all(np.array_equal(tensors[n].ravel().astype(np.float64), np.loadtxt(d + "/t%d.txt" % i, ndmin=1).astype(np.float32).astype(np.float64))
                     for i, n in enumerate(names) if not n.endswith("num_batches_tracked"))
        print(image.shape == expected.shape, float(np.abs(image - expected).max()), sorted(tensors) == sorted(names), stored,
              meta["gantry.model"], meta["gantry.epoch"], json.loads(meta["gantry.config"])["seed"], model.ir_version, model.opset_import[0].version)
        """

    @Test(arguments: ["notebook", "improved", "conditional", "dcgan", "conditional dcgan"])
    func referenceReadersDrawWhatGantryDraws(model: String) throws {
        let trainer = Self.trained(model)
        let generator = ExportedGenerator(trainer)
        let python = try PythonReference("export", python: PythonReference.exportPython)
        defer { python.remove() }
        try python.write(file: "generator.onnx", ONNXExport.model(generator))
        try python.write(file: "generator.safetensors", SafetensorsExport.file(generator))
        let noise = Generator.noise(count: 64, zSize: trainer.config.zSize, seed: 3)
        let digits = (0..<64).map { ($0 * 7) % 10 }
        let images = trainer.samplingGenerator.generate(noise: noise, labels: trainer.config.conditional ? digits : nil)
        try python.write("z", noise.storage)
        try python.write("digit", digits.map(Float.init))
        try python.write("images", images.storage)
        let dict = generator.stateDict
        let batchNorms = generator.modules.indices.filter { if case .batchNorm2d = generator.modules[$0] { return true } else { return false } }
        try python.write("names", text: (dict.map(\.name) + batchNorms.map { "\($0).num_batches_tracked" }).joined(separator: "\n"))
        for (i, entry) in dict.enumerated() { try python.write("t\(i)", entry.tensor.values) }

        let (status, output) = try python.run(Self.script)
        #expect(status == 0, "the reference readers failed: \(output)")
        let fields = output.split(separator: " ").map(String.init)
        try #require(fields.count == 9, "\(output)")
        #expect(fields[0] == "True", "image shape")
        let worst = try #require(Double(fields[1]))
        #expect(worst < 1e-5, "onnxruntime's images differ from Gantry's by up to \(worst)")
        #expect(fields[2] == "True" && fields[3] == "True", "the safetensors file's names and values: \(output)")
        #expect(fields[4] == trainer.config.model.rawValue && fields[5] == "2" && fields[6] == "5")
        #expect(fields[7] == "8" && fields[8].hasPrefix("17"))
    }
}
