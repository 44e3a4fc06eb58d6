/// A folder holding an MNIST-format dataset under the standard file names
/// (`train-images-idx3-ubyte.gz` and friends, gzipped or not).
public struct MNISTFolder {
    public enum Split: String, Sendable, CaseIterable {
        case train
        case test

        /// The file-name stem MNIST uses for this split.
        var stem: String { self == .train ? "train" : "t10k" }
        public var imagesFileName: String { "\(stem)-images-idx3-ubyte.gz" }
        public var labelsFileName: String { "\(stem)-labels-idx1-ubyte.gz" }
    }

    public static func load(directory: String, split: Split) throws -> LabeledImages {
        let images = try existingFile(in: directory, named: split.imagesFileName)
        let labels = try existingFile(in: directory, named: split.labelsFileName)
        return try LabeledImages.load(imagesAt: images, labelsAt: labels)
    }

    /// The gzipped name if present, else the name without `.gz` (how the files look after `gunzip`).
    private static func existingFile(in directory: String, named gzipName: String) throws -> String {
        let candidates = [gzipName, String(gzipName.dropLast(3))]
        for name in candidates {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            if FileStatus.isRegularFile(path) { return path }
        }
        throw IDXError(.missingFile(directory: directory, candidates: candidates))
    }
}
