import Foundation
import Layers

/// A generator as an ONNX model (IR version 8, the default opset at version 17, which
/// onnxruntime 1.14 and later run), written by hand in protobuf's wire format:
///
/// - input `z`: float [N, z_size], uniform in [-1, 1) as Gantry draws it; a
///   conditional generator also takes `digit`: int64 [N], 0–9, one-hot encoded inside
///   the graph (`OneHot`, then `Concat` after z, as Gantry's input row is);
/// - output `image`: float [N, 1, 28, 28] in [-1, 1] (black is -1), before Gantry's
///   quantisation to bytes (round((x + 1) · 127.5)).
///
/// Linear layers are `Gemm` (transB = 1, PyTorch's [out, in] weights), transposed
/// convolutions `ConvTranspose`, activations their ONNX ops; BatchNorm is folded into
/// the layer before it. `metadata_props` holds the model's recipe, seed, epoch and
/// configuration.
public enum ONNXExport {
    public static let irVersion = 8
    public static let opset = 17

    public static func model(_ generator: ExportedGenerator) -> [UInt8] {
        var graph = GraphBuilder()
        let (modules, tensors) = generator.foldingBatchNorm()
        var x = "z"
        graph.input("z", type: 1, dims: [.symbolic("N"), .fixed(generator.zSize)])
        if generator.labelCount > 0 {
            graph.input("digit", type: 7, dims: [.symbolic("N")])
            graph.initializer(int64: "one_hot_depth", [generator.labelCount], dims: [])
            graph.initializer(float: "one_hot_values", [0, 1], dims: [2])
            graph.node("OneHot", inputs: ["digit", "one_hot_depth", "one_hot_values"], output: "digit_one_hot", attributes: [.int("axis", 1)])
            graph.node("Concat", inputs: ["z", "digit_one_hot"], output: "generator_input", attributes: [.int("axis", 1)])
            x = "generator_input"
        }
        for (index, module) in modules.enumerated() {
            let name = "layer\(index)"
            func parameter(_ tensor: String) -> String {
                let t = tensors[index].first { $0.name == tensor }!
                graph.initializer(float: "\(name).\(tensor)", t.values, dims: t.shape)
                return "\(name).\(tensor)"
            }
            let output: String
            switch module {
            case .linear:
                let inputs = [x, parameter("weight"), parameter("bias")]
                output = graph.node("Gemm", inputs: inputs, output: name, attributes: [.int("transB", 1)])
            case .convTranspose2d(_, _, let g), .conv2d(_, _, let g):
                let op = { if case .conv2d = module { return "Conv" } else { return "ConvTranspose" } }()
                let inputs = [x, parameter("weight"), parameter("bias")]
                output = graph.node(op, inputs: inputs, output: name, attributes: [
                    .ints("kernel_shape", [g.kernel, g.kernel]), .ints("strides", [g.stride, g.stride]),
                    .ints("pads", [g.padding, g.padding, g.padding, g.padding]),
                ])
            case .batchNorm2d(_, let epsilon, _):
                let inputs = [x, parameter("weight"), parameter("bias"), parameter("running_mean"), parameter("running_var")]
                output = graph.node("BatchNormalization", inputs: inputs, output: name, attributes: [.float("epsilon", epsilon)])
            case .relu: output = graph.node("Relu", inputs: [x], output: name)
            case .leakyReLU(let slope): output = graph.node("LeakyRelu", inputs: [x], output: name, attributes: [.float("alpha", slope)])
            case .tanh: output = graph.node("Tanh", inputs: [x], output: name)
            case .sigmoid: output = graph.node("Sigmoid", inputs: [x], output: name)
            case .unflatten(let s):
                graph.initializer(int64: "\(name).shape", [-1, s.channels, s.height, s.width], dims: [4])
                output = graph.node("Reshape", inputs: [x, "\(name).shape"], output: name)
            case .flatten: output = graph.node("Flatten", inputs: [x], output: name, attributes: [.int("axis", 1)])
            case .dropout, .identity: output = x
            case .sequential: preconditionFailure("a generator's modules are flat")
            }
            x = output
        }
        graph.node("Identity", inputs: [x], output: "image")
        graph.output("image", type: 1, dims: [.symbolic("N"), .fixed(1), .fixed(28), .fixed(28)])

        var model = ProtobufMessage()
        model.int(1, irVersion)
        model.string(2, "gantry")
        model.string(3, "1")
        model.message(7, graph.message(name: "generator"))
        var opsetImport = ProtobufMessage()
        opsetImport.string(1, "")
        opsetImport.int(2, opset)
        model.message(8, opsetImport)
        for (key, value) in metadata(generator) {
            var entry = ProtobufMessage()
            entry.string(1, key)
            entry.string(2, value)
            model.message(14, entry)
        }
        return model.bytes
    }

    /// The job's recipe, seed, epoch and whole configuration, for `metadata_props` and
    /// safetensors' `__metadata__`.
    public static func metadata(_ generator: ExportedGenerator) -> [(String, String)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let config = (try? encoder.encode(generator.config)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return [("gantry.model", generator.config.model.rawValue), ("gantry.seed", String(generator.config.seed)),
                ("gantry.epoch", String(generator.epoch)), ("gantry.conditional", String(generator.labelCount > 0)),
                ("gantry.config", config)]
    }
}

/// Nodes, initializers and the graph's typed inputs and outputs, in the order added.
struct GraphBuilder {
    enum Dimension { case fixed(Int), symbolic(String) }
    enum Attribute {
        case int(String, Int), float(String, Float), ints(String, [Int])
    }

    private var nodes: [ProtobufMessage] = []
    private var initializers: [ProtobufMessage] = []
    private var inputs: [ProtobufMessage] = []
    private var outputs: [ProtobufMessage] = []

    @discardableResult
    mutating func node(_ op: String, inputs: [String], output: String, attributes: [Attribute] = []) -> String {
        var node = ProtobufMessage()
        for input in inputs { node.string(1, input) }
        node.string(2, output)
        node.string(3, output)
        node.string(4, op)
        for attribute in attributes {
            var a = ProtobufMessage()
            switch attribute {
            case .int(let name, let value):
                a.string(1, name)
                a.int(3, value)
                a.int(20, 2)
            case .float(let name, let value):
                a.string(1, name)
                a.float(2, value)
                a.int(20, 1)
            case .ints(let name, let values):
                a.string(1, name)
                a.packedInts(8, values)
                a.int(20, 7)
            }
            node.message(5, a)
        }
        nodes.append(node)
        return output
    }

    mutating func initializer(float name: String, _ values: [Float], dims: [Int]) {
        initializers.append(Self.tensor(name, type: 1, dims: dims, raw: littleEndianBytes(values)))
    }

    mutating func initializer(int64 name: String, _ values: [Int], dims: [Int]) {
        var raw: [UInt8] = []
        for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { raw.append(contentsOf: $0) } }
        initializers.append(Self.tensor(name, type: 7, dims: dims, raw: raw))
    }

    private static func tensor(_ name: String, type: Int, dims: [Int], raw: [UInt8]) -> ProtobufMessage {
        var t = ProtobufMessage()
        if !dims.isEmpty { t.packedInts(1, dims) }
        t.int(2, type)
        t.string(8, name)
        t.bytes(9, raw)
        return t
    }

    mutating func input(_ name: String, type: Int, dims: [Dimension]) { inputs.append(Self.valueInfo(name, type: type, dims: dims)) }
    mutating func output(_ name: String, type: Int, dims: [Dimension]) { outputs.append(Self.valueInfo(name, type: type, dims: dims)) }

    private static func valueInfo(_ name: String, type: Int, dims: [Dimension]) -> ProtobufMessage {
        var shape = ProtobufMessage()
        for d in dims {
            var dim = ProtobufMessage()
            switch d {
            case .fixed(let v): dim.int(1, v)
            case .symbolic(let s): dim.string(2, s)
            }
            shape.message(1, dim)
        }
        var tensorType = ProtobufMessage()
        tensorType.int(1, type)
        tensorType.message(2, shape)
        var typeProto = ProtobufMessage()
        typeProto.message(1, tensorType)
        var info = ProtobufMessage()
        info.string(1, name)
        info.message(2, typeProto)
        return info
    }

    func message(name: String) -> ProtobufMessage {
        var g = ProtobufMessage()
        for n in nodes { g.message(1, n) }
        g.string(2, name)
        for i in initializers { g.message(5, i) }
        for i in inputs { g.message(11, i) }
        for o in outputs { g.message(12, o) }
        return g
    }
}
