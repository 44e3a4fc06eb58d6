/// Why an IDX file (or a pair of them) was refused. The description is a
/// sentence a person can act on, prefixed with the file when one is known.
public struct IDXError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case images = "image"
        case labels = "label"

        var magic: UInt32 { self == .images ? 0x0000_0803 : 0x0000_0801 }
        var rank: Int { self == .images ? 3 : 1 }
        var headerSize: Int { 4 + 4 * rank }
    }

    public enum Problem: Sendable, Equatable {
        case unreadable(reason: String)
        case shorterThanHeader(Kind, byteCount: Int)
        case badMagic(Kind, found: UInt32)
        case unsupportedElementType(Kind, found: UInt8)
        case wrongRank(Kind, found: Int)
        case notMNISTSize(rows: Int, columns: Int)
        /// The header promises more data than the bytes that follow it.
        case truncated(Kind, claimedItems: Int, claimedBytes: Int, presentBytes: Int)
        /// Bytes left over after everything the header describes.
        case trailingData(Kind, claimedItems: Int)
        /// The header claims more than the compressed file could expand to.
        case implausibleSize(Kind, claimedBytes: Int, compressedBytes: Int)
        case tooLarge(Kind, claimedBytes: Int, limit: Int)
        case corruptGzip(reason: String)
        case truncatedGzip
        case countMismatch(images: Int, labels: Int)
        case missingFile(directory: String, candidates: [String])
    }

    public let problem: Problem
    /// The file (or files) the problem was found in, when known.
    public let path: String?

    public init(_ problem: Problem, path: String? = nil) {
        self.problem = problem
        self.path = path
    }

    public var description: String {
        guard let path else { return sentence }
        return "\(path): \(sentence)"
    }

    private var sentence: String {
        switch problem {
        case .unreadable(let reason):
            return "cannot read the file: \(reason)."
        case .shorterThanHeader(let kind, let byteCount):
            return "the data is \(byteCount) bytes long, shorter than the \(kind.headerSize)-byte header of an IDX \(kind.rawValue) file."
        case .badMagic(let kind, let found):
            return "not an IDX \(kind.rawValue) file: it starts with \(hex(found)), not \(hex(kind.magic))."
        case .unsupportedElementType(let kind, let found):
            return "the IDX \(kind.rawValue) file stores elements of type \(hex(found)); only unsigned bytes (0x08) are supported."
        case .wrongRank(let kind, let found):
            let hint = kind == .images && found == 1 ? " (is this a label file?)" : kind == .labels && found == 3 ? " (is this an image file?)" : ""
            return "the IDX file has \(found) dimension(s), but a \(kind.rawValue) file has \(kind.rank)\(hint)."
        case .notMNISTSize(let rows, let columns):
            return "the images are \(rows)x\(columns); MNIST-format images must be 28x28."
        case .truncated(let kind, let items, let claimed, let present):
            return "the header claims \(items) \(kind.rawValue)s (\(claimed) bytes) but only \(present) bytes follow it; the file is truncated or its header is wrong."
        case .trailingData(let kind, let items):
            return "more bytes follow the \(items) \(kind.rawValue)s the header describes; the file is corrupt or its header is wrong."
        case .implausibleSize(let kind, let claimed, let compressed):
            return "the header claims \(claimed) bytes of \(kind.rawValue)s, more than a \(compressed)-byte gzip file can hold; the header is wrong."
        case .tooLarge(let kind, let claimed, let limit):
            return "the header claims \(claimed) bytes of \(kind.rawValue)s, over the limit of \(limit) bytes."
        case .corruptGzip(let reason):
            return "the gzip data is corrupt (\(reason))."
        case .truncatedGzip:
            return "the gzip data ends before its end marker; the file is truncated."
        case .countMismatch(let images, let labels):
            return "there are \(images) images but \(labels) labels; the counts must match."
        case .missingFile(let directory, let candidates):
            return "none of \(candidates.joined(separator: ", ")) is in \(directory)."
        }
    }

    private func hex<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        let width = T.self == UInt8.self ? 2 : 8
        return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

import Foundation

extension IDXError: LocalizedError {
    public var errorDescription: String? { description }
}
