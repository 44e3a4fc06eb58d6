/// A folder that cannot be imported as a dataset: it is not a folder, or it lacks
/// some of the files the config names (which are neither there nor already cached).
public struct DatasetImportError: Error, Equatable, CustomStringConvertible {
    public let folder: String
    public let missing: [String]
    public let notAFolder: Bool

    public var description: String {
        if notAFolder { return "\(folder) is not a folder" }
        return "\(folder) lacks \(missing.joined(separator: ", ")) (the files must keep the names the config gives them, gzipped as published)"
    }
}
