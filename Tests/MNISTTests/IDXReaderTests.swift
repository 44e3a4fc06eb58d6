import Foundation
import GantryTestSupport
import Testing
@testable import MNIST

@Suite("IDX reader")
struct IDXReaderTests {
    @Test("mnist5k's real files decode: 4,000 + 1,000 digits, 28x28, 10 balanced classes")
    func realFiles() throws {
        let train = try MNISTFolder.load(directory: TestPaths.mnist5k, split: .train)
        #expect(train.images.count == 4000 && train.images.rows == 28 && train.images.columns == 28)
        #expect(train.images.pixels.count == 4000 * 784)
        #expect(train.labels.count == 4000)
        for digit in 0..<10 { #expect(train.labels.filter { $0 == digit }.count == 400) }
        // MNIST digits are mostly background: roughly 80% zero pixels.
        let background = Double(train.images.pixels.filter { $0 == 0 }.count) / Double(train.images.pixels.count)
        #expect(background > 0.7 && background < 0.9)
        let test = try MNISTFolder.load(directory: TestPaths.mnist5k, split: .test)
        #expect(test.images.count == 1000 && test.labels.count == 1000)
    }

    @Test("gzip and plain forms of the same file decode to the same images")
    func plainAndGzipAgree() throws {
        let raw = syntheticImages(3)
        let fromPlain = try IDXReader.readImages(from: raw)
        let fromGzip = try IDXReader.readImages(from: gzip(raw))
        #expect(fromPlain == fromGzip)
        #expect(fromPlain.count == 3 && fromPlain.pixels == Array(raw[16...]))
        #expect(try IDXReader.readLabels(from: gzip(syntheticLabels(12))) == (0..<12).map { UInt8($0 % 10) })
    }

    @Test("a folder of gunzipped files (no .gz) loads too")
    func plainFolder() throws {
        let folder = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(folder) }
        try Data(syntheticImages(5)).write(to: URL(fileURLWithPath: folder + "/t10k-images-idx3-ubyte"))
        try Data(syntheticLabels(5)).write(to: URL(fileURLWithPath: folder + "/t10k-labels-idx1-ubyte"))
        let set = try MNISTFolder.load(directory: folder, split: .test)
        #expect(set.images.count == 5 && set.labels == [0, 1, 2, 3, 4])
    }

    @Test("concatenated gzip members read as one stream, as gunzip does")
    func multiMember() throws {
        let raw = syntheticImages(2)
        let joined = try gzip(Array(raw[..<1000])) + gzip(Array(raw[1000...]))
        #expect(try IDXReader.readImages(from: joined).pixels == Array(raw[16...]))
    }

    @Test("a file decodes the same read from disk in chunks as from memory")
    func fileAndMemoryAgree() throws {
        let path = TestPaths.mnist5k + "/t10k-images-idx3-ubyte.gz"
        #expect(try IDXReader.readImages(at: path) == IDXReader.readImages(from: readBytes(path)))
    }

    // MARK: Malformed files: each gives its own clear error.

    @Test("bad magic number")
    func badMagic() {
        var bytes = syntheticImages(1)
        bytes[0] = 0x12
        expectProblem(.badMagic(.images, found: 0x1200_0803), "not an IDX image file") { try IDXReader.readImages(from: bytes) }
    }

    @Test("element type other than unsigned byte")
    func badType() {
        let bytes = idxHeader(rank: 3, dimensions: [1, 28, 28], type: 0x0D) + [UInt8](repeating: 0, count: 784 * 4)
        expectProblem(.unsupportedElementType(.images, found: 0x0D), "only unsigned bytes") { try IDXReader.readImages(from: bytes) }
    }

    @Test("a label file read as images, and an image file read as labels: wrong rank")
    func wrongRank() throws {
        let labels = syntheticLabels(4)
        expectProblem(.wrongRank(.images, found: 1), "is this a label file?") { try IDXReader.readImages(from: labels) }
        let images = syntheticImages(1)
        expectProblem(.wrongRank(.labels, found: 3), "is this an image file?") { try IDXReader.readLabels(from: images) }
    }

    @Test("images that are not 28x28")
    func notMNISTSize() {
        let bytes = idxHeader(rank: 3, dimensions: [2, 32, 32]) + [UInt8](repeating: 0, count: 2 * 32 * 32)
        expectProblem(.notMNISTSize(rows: 32, columns: 32), "must be 28x28") { try IDXReader.readImages(from: bytes) }
    }

    @Test("data shorter than the header")
    func shorterThanHeader() {
        expectProblem(.shorterThanHeader(.images, byteCount: 0), "shorter than the 16-byte header") { try IDXReader.readImages(from: []) }
        expectProblem(.shorterThanHeader(.images, byteCount: 10), "shorter") { try IDXReader.readImages(from: Array(syntheticImages(1)[..<10])) }
        expectProblem(.shorterThanHeader(.labels, byteCount: 6), "8-byte header") { try IDXReader.readLabels(from: Array(syntheticLabels(1)[..<6])) }
    }

    @Test("header claims more images than the bytes present (plain): refused before allocating")
    func truncatedPlain() {
        var bytes = syntheticImages(3)
        bytes.removeLast(10)
        expectProblem(.truncated(.images, claimedItems: 3, claimedBytes: 2352, presentBytes: 2342), "truncated") {
            try IDXReader.readImages(from: bytes)
        }
        // A header claiming 4 billion images: the claim is checked against the bytes first, so no 3 TB allocation.
        let lying = idxHeader(rank: 3, dimensions: [UInt32.max, 28, 28]) + [UInt8](repeating: 0, count: 784)
        expectProblem(.tooLarge(.images, claimedBytes: Int(UInt32.max) * 784, limit: IDXReader.defaultMaxPayloadBytes), "over the limit") {
            try IDXReader.readImages(from: lying)
        }
        let lyingLabels = idxHeader(rank: 1, dimensions: [1_000_000]) + [1, 2, 3]
        expectProblem(.truncated(.labels, claimedItems: 1_000_000, claimedBytes: 1_000_000, presentBytes: 3), "only 3 bytes follow") {
            try IDXReader.readLabels(from: lyingLabels)
        }
    }

    @Test("header claims more than a gzip file can hold: refused before inflating")
    func implausibleGzip() throws {
        let compressed = try gzip(idxHeader(rank: 3, dimensions: [60_000, 28, 28]) + [UInt8](repeating: 0, count: 784))
        expectProblem(.implausibleSize(.images, claimedBytes: 60_000 * 784, compressedBytes: compressed.count), "more than a") {
            try IDXReader.readImages(from: compressed)
        }
    }

    @Test("truncated gzip (within the payload and within the trailer)")
    func truncatedGzip() throws {
        let compressed = try gzip(syntheticImages(20))
        expectProblem(.truncatedGzip, "the file is truncated") {
            try IDXReader.readImages(from: Array(compressed[..<(compressed.count / 2)]))
        }
        // All of the payload inflates, but the CRC/length trailer is cut off.
        expectProblem(.truncatedGzip, "ends before its end marker") {
            try IDXReader.readImages(from: Array(compressed.dropLast(4)))
        }
    }

    @Test("corrupt gzip: a flipped byte fails the CRC or the deflate stream")
    func corruptGzip() throws {
        var compressed = try gzip(syntheticImages(20))
        compressed[compressed.count - 6] ^= 0xFF  // inside the CRC-32
        expectAnyCorruptGzip { try IDXReader.readImages(from: compressed) }
        var header = try gzip(syntheticImages(2))
        header[3] = 0xE0  // reserved gzip flag bits
        expectAnyCorruptGzip { try IDXReader.readImages(from: header) }
    }

    @Test("gzip bomb with a plausible header: stops after the claimed bytes")
    func gzipBomb() throws {
        // Claims 2,000 images (1.5 MB) but inflates to 40 MB of zeros.
        let bomb = try gzip(idxHeader(rank: 3, dimensions: [2000, 28, 28]) + [UInt8](repeating: 0, count: 40_000_000), level: 9)
        expectProblem(.trailingData(.images, claimedItems: 2000), "more bytes follow") { try IDXReader.readImages(from: bomb) }
        // And a small payload limit refuses even honest large claims up front.
        expectProblem(.tooLarge(.images, claimedBytes: 2000 * 784, limit: 1000), "over the limit of 1000 bytes") {
            try IDXReader.readImages(from: bomb, maxPayloadBytes: 1000)
        }
    }

    @Test("bytes after the data the header describes")
    func trailingData() throws {
        expectProblem(.trailingData(.labels, claimedItems: 3), "more bytes follow the 3 labels") {
            try IDXReader.readLabels(from: syntheticLabels(3) + [9])
        }
        expectProblem(.trailingData(.images, claimedItems: 1), "more bytes follow") {
            try IDXReader.readImages(from: gzip(syntheticImages(1) + [0, 0]))
        }
        expectAnyCorruptGzip { try IDXReader.readImages(from: gzip(syntheticImages(1)) + [0x42, 0x42]) }
    }

    @Test("image and label counts differ")
    func countMismatch() throws {
        let folder = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(folder) }
        try Data(gzip(syntheticImages(5))).write(to: URL(fileURLWithPath: folder + "/train-images-idx3-ubyte.gz"))
        try Data(gzip(syntheticLabels(4))).write(to: URL(fileURLWithPath: folder + "/train-labels-idx1-ubyte.gz"))
        let error = #expect(throws: IDXError.self) { try MNISTFolder.load(directory: folder, split: .train) }
        #expect(error?.problem == .countMismatch(images: 5, labels: 4))
        #expect(error?.description.contains("5 images but 4 labels") == true)
    }

    @Test("missing files and unreadable paths name the file")
    func missing() throws {
        let folder = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(folder) }
        let error = #expect(throws: IDXError.self) { try MNISTFolder.load(directory: folder, split: .train) }
        #expect(error?.description.contains("train-images-idx3-ubyte.gz, train-images-idx3-ubyte is in \(folder)") == true)
        let notFound = #expect(throws: IDXError.self) { try IDXReader.readLabels(at: folder + "/nothing.gz") }
        #expect(notFound?.description == "\(folder)/nothing.gz: cannot read the file: No such file or directory.")
        let directory = #expect(throws: IDXError.self) { try IDXReader.readLabels(at: folder) }
        #expect(directory?.description.contains("not a regular file") == true)
    }

    @Test("errors from a file on disk carry its path")
    func pathInErrors() throws {
        let folder = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(folder) }
        let path = folder + "/labels.gz"
        try Data(gzip(syntheticImages(1))).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: IDXError.self) { try IDXReader.readLabels(at: path) }
        #expect(error?.path == path)
        #expect(error?.description.hasPrefix(path + ": the IDX file has 3 dimension(s)") == true)
    }

    /// 400 random corruptions (a changed, inserted or cut byte, up to four times) of a
    /// plain and a gzipped image file. Each one's outcome is predicted independently:
    /// the gzip layer by Python's zlib fed one output byte at a time (what it decodes
    /// before it fails, and how it fails), the IDX layer by `expectedOutcome`, a reading
    /// of the format written for this test. The reader must give exactly that outcome:
    /// the same pixels, or the same `IDXError.Problem`.
    @Test("random corruption of a valid file gives exactly the predicted pixels or error")
    func fuzz() throws {
        let plain = syntheticImages(2)
        let compressed = try gzip(plain)
        var generator = SplitMix64(seed: 42)
        var inputs: [[UInt8]] = []
        for round in 0..<400 {
            var bytes = round % 2 == 0 ? plain : compressed
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let index = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                case 1: bytes.removeSubrange(index...)
                default: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: index)
                }
                if bytes.isEmpty { break }
            }
            inputs.append(bytes)
        }
        let inflated = try pythonInflate(inputs.filter(isGzip))
        var gzipIndex = 0
        var outcomes: [String: Int] = [:]
        for (round, bytes) in inputs.enumerated() {
            let expected: Outcome
            if isGzip(bytes) {
                let (decoded, failure) = inflated[gzipIndex]
                gzipIndex += 1
                expected = expectedOutcome(decoded: decoded, failure: failure, sourceBytes: bytes.count, compressed: true)
            } else {
                expected = expectedOutcome(decoded: bytes, failure: nil, sourceBytes: bytes.count, compressed: false)
            }
            let actual: Outcome
            do {
                actual = .pixels(try IDXReader.readImages(from: bytes).pixels)
            } catch let error as IDXError {
                actual = .problem(error.problem)
            }
            #expect(actual == expected, "round \(round) (\(isGzip(bytes) ? "gzip" : "plain"), \(bytes.count) bytes)")
            outcomes[expected.name, default: 0] += 1
        }
        // The corruptions reach every kind of outcome, so each prediction above was put to the test.
        for name in ["pixels", "shorterThanHeader", "badMagic", "unsupportedElementType", "wrongRank", "notMNISTSize",
                     "truncated", "trailingData", "corruptGzip", "truncatedGzip"] {
            #expect(outcomes[name, default: 0] > 0, "no round ended in \(name): \(outcomes)")
        }
    }

    enum Outcome: Equatable {
        case pixels([UInt8])
        case problem(IDXError.Problem)

        var name: String {
            switch self {
            case .pixels: return "pixels"
            case .problem(let problem): return String(String(describing: problem).prefix { $0 != "(" })
            }
        }
    }

    func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// What reading an IDX image file must give, from the bytes it decodes to and how
    /// the decoding ended (`failure`: the gzip error met after `decoded`, if any). The
    /// reader takes the 4-byte magic, the 12 bytes of dimensions, the payload, then
    /// looks for one byte more; a gzip error is met only when it asks for more than
    /// `decoded` holds. Sizes are checked before the payload is read: over the payload
    /// limit, more than 1032 times the compressed size (deflate's largest ratio), or, in
    /// a plain file, more than the bytes present.
    func expectedOutcome(decoded: [UInt8], failure: IDXError.Problem?, sourceBytes: Int, compressed: Bool) -> Outcome {
        func short(_ needed: Int, else problem: IDXError.Problem) -> Outcome? {
            guard decoded.count < needed else { return nil }
            return .problem(failure ?? problem)
        }
        if let outcome = short(4, else: .shorterThanHeader(.images, byteCount: decoded.count)) { return outcome }
        let magic = decoded[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard decoded[0] == 0 && decoded[1] == 0 else { return .problem(.badMagic(.images, found: magic)) }
        guard decoded[2] == 8 else { return .problem(.unsupportedElementType(.images, found: decoded[2])) }
        guard decoded[3] == 3 else { return .problem(.wrongRank(.images, found: Int(decoded[3]))) }
        if let outcome = short(16, else: .shorterThanHeader(.images, byteCount: decoded.count)) { return outcome }
        let dimension = { (i: Int) in Int(decoded[(4 + 4 * i)..<(8 + 4 * i)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
        let (count, rows, columns) = (dimension(0), dimension(1), dimension(2))
        guard rows == 28 && columns == 28 else { return .problem(.notMNISTSize(rows: rows, columns: columns)) }
        let claimed = count * 784
        guard claimed <= IDXReader.defaultMaxPayloadBytes else {
            return .problem(.tooLarge(.images, claimedBytes: claimed, limit: IDXReader.defaultMaxPayloadBytes))
        }
        if compressed && claimed > sourceBytes * 1032 {
            return .problem(.implausibleSize(.images, claimedBytes: claimed, compressedBytes: sourceBytes))
        }
        if !compressed && claimed > sourceBytes - 16 {
            return .problem(.truncated(.images, claimedItems: count, claimedBytes: claimed, presentBytes: sourceBytes - 16))
        }
        if let outcome = short(16 + claimed, else: .truncated(.images, claimedItems: count, claimedBytes: claimed,
                                                              presentBytes: decoded.count - 16)) { return outcome }
        if decoded.count > 16 + claimed { return .problem(.trailingData(.images, claimedItems: count)) }
        if let failure { return .problem(failure) }
        return .pixels(Array(decoded[16...]))
    }

    /// Each input inflated by Python's zlib, one output byte per call, member after member
    /// (bytes after a member must start another one, 0x1F first): the bytes it gives
    /// before it fails, and `truncatedGzip` if the input ends first or `corruptGzip`
    /// (with zlib's message) if zlib refuses it.
    func pythonInflate(_ inputs: [[UInt8]]) throws -> [(decoded: [UInt8], failure: IDXError.Problem?)] {
        let folder = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(folder) }
        for (i, bytes) in inputs.enumerated() { try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(i).gz")) }
        let script = """
        import sys, zlib
        def inflate(rest):
            out = bytearray()
            while True:
                d = zlib.decompressobj(31)
                tail = rest
                try:
                    while not d.eof:
                        chunk = d.decompress(tail, 1)
                        tail = d.unconsumed_tail
                        out += chunk
                        if not chunk and not tail and not d.eof:
                            out += d.flush()
                            return out, "truncated"
                except zlib.error as e:
                    return out, "corrupt " + str(e).split(": ", 1)[-1]  # "Error -3 while decompressing data: MSG"
                rest = d.unused_data
                if not rest:
                    return out, "none"
                if rest[0] != 0x1F:
                    return out, "corrupt bytes after the end of the gzip data are not another gzip member"
        folder, count = sys.argv[1], int(sys.argv[2])
        for i in range(count):
            out, failure = inflate(open("%s/%d.gz" % (folder, i), "rb").read())
            open("%s/%d.out" % (folder, i), "wb").write(out)
            print(failure)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, folder, String(inputs.count)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n")
        try #require(process.terminationStatus == 0 && lines.count == inputs.count, "python3 zlib oracle failed: \(text)")
        return try lines.enumerated().map { i, line in
            let failure: IDXError.Problem? = line == "none" ? nil : line == "truncated" ? .truncatedGzip
                : .corruptGzip(reason: String(line.dropFirst("corrupt ".count)))
            return (try readBytes("\(folder)/\(i).out"), failure)
        }
    }

    // MARK: Helpers

    /// Expects `body` to fail with `problem` and a description containing `text`.
    private func expectProblem(_ problem: IDXError.Problem, _ text: String, sourceLocation: SourceLocation = #_sourceLocation,
                               _ body: () throws -> some Any) {
        do {
            _ = try body()
            Issue.record("expected \(problem), but decoding succeeded", sourceLocation: sourceLocation)
        } catch let error as IDXError {
            #expect(error.problem == problem, sourceLocation: sourceLocation)
            #expect(error.description.contains(text), "\(error.description)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected IDXError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    private func expectAnyCorruptGzip(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> some Any) {
        do {
            _ = try body()
            Issue.record("expected a gzip error, but decoding succeeded", sourceLocation: sourceLocation)
        } catch let error as IDXError {
            guard case .corruptGzip = error.problem else {
                Issue.record("expected corruptGzip, got \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(error.description.contains("gzip data is corrupt"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected IDXError, got \(error)", sourceLocation: sourceLocation)
        }
    }
}
