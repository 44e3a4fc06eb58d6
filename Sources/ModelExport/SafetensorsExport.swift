import Foundation
import Layers

/// A generator as a safetensors file: an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then the tensors' bytes,
/// little-endian, in header order. The names and shapes are the `state_dict` of the
/// equivalent `nn.Sequential` (`ExportedGenerator.sequential`), so
/// `model.load_state_dict(safetensors.torch.load_file(path))` loads it; BatchNorm's
/// `num_batches_tracked` is there as PyTorch keeps it (int64, G's update count).
/// `__metadata__` holds the job's configuration, as ONNX's `metadata_props` do.
public enum SafetensorsExport {
    public static func file(_ generator: ExportedGenerator) -> [UInt8] {
        var entries: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = []
        for (index, module) in generator.modules.enumerated() {
            for tensor in generator.tensors[index] {
                entries.append(("\(index).\(tensor.name)", "F32", tensor.shape, littleEndianBytes(tensor.values)))
            }
            if case .batchNorm2d = module {
                entries.append(("\(index).num_batches_tracked", "I64", [], withUnsafeBytes(of: Int64(generator.steps).littleEndian) { Array($0) }))
            }
        }
        var header: [String: Any] = ["__metadata__": Dictionary(uniqueKeysWithValues: ONNXExport.metadata(generator))]
        var offset = 0
        for entry in entries {
            header[entry.name] = ["dtype": entry.dtype, "shape": entry.shape, "data_offsets": [offset, offset + entry.bytes.count]] as [String: Any]
            offset += entry.bytes.count
        }
        var json = Array((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data())
        // The format allows trailing spaces; padding to 8 bytes aligns the tensors.
        while json.count % 8 != 0 { json.append(0x20) }
        var out = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        out += json
        for entry in entries { out += entry.bytes }
        return out
    }
}
