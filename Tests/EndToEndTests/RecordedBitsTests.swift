import Foundation
import GantryTestSupport
import Testing

/// Bits recorded by earlier code (`fixtures/checkpoint-v1`, made on OpenBLAS's Haswell
/// kernels, one lane) are what today's code still trains, on any CPU: each kernel family
/// rounds its products its own way, so the binary runs as a child with the recording's
/// kernels forced (`OPENBLAS_CORETYPE` is read once, when OpenBLAS loads), whatever core
/// this machine would pick by itself.
@Suite("Recorded checkpoint bits, under the kernels they were recorded with")
struct RecordedBitsTests {
    static let fixtures = Paths.repository.appendingPathComponent("fixtures/checkpoint-v1")
    /// The kernels the fixture's README says it was made with.
    static let recordedCore = "Haswell"

    /// Runs `gantry ARGUMENTS` under the recording's kernels and expects it to exit 0.
    static func gantry(_ arguments: [String], reportsCore: Bool = true) throws -> String {
        try requireResource("a CPU with AVX2 and FMA (OpenBLAS's Haswell kernels)",
                            BLASCoreTests.flags.isSuperset(of: ["avx2", "fma"]))
        let (status, out, err) = try BLASCoreTests.gantry(arguments, environment: ["OPENBLAS_CORETYPE": recordedCore], timeout: 300)
        try #require(status == 0, "gantry \(arguments.joined(separator: " ")) exited \(status): \(err)")
        if reportsCore { try #require(out.contains("OpenBLAS core \(recordedCore) "), "not on \(recordedCore)'s kernels: \(out)") }
        return out
    }

    static func checkpoint(_ url: URL) throws -> CheckpointFile {
        try CheckpointFile([UInt8](Data(contentsOf: url)))
    }

    /// Every tensor (both networks and both optimizers' moments), the RNG state and the
    /// optimizers' steps, byte for byte.
    static func expectSameTraining(_ trained: CheckpointFile, as recorded: CheckpointFile, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(trained.epochs == recorded.epochs, sourceLocation: sourceLocation)
        #expect(trained.trainingState == recorded.trainingState, "RNG state or optimizer steps differ", sourceLocation: sourceLocation)
        #expect(trained.tensors.map(\.name) == recorded.tensors.map(\.name), sourceLocation: sourceLocation)
        for tensor in recorded.tensors {
            let mine = trained.tensors.first { $0.name == tensor.name }.map { Array($0.bytes) }
            let same = mine == Array(tensor.bytes)
            #expect(same, "\(tensor.name) differs from the recording", sourceLocation: sourceLocation)
        }
    }

    /// The notebook's model from scratch trains the bits it trained before the model
    /// options existed: the same two epochs end where the earlier code's file does.
    @Test func theNotebookModelTrainsTheSameBitsAsBefore() throws {
        let folder = Paths.temporaryDirectory("recorded-bits")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The command the fixture's README records.
        _ = try Self.gantry(["train", "--data", Paths.mnist5k.path, "--epochs", "2", "--g-hidden", "3", "--d-hidden", "2",
                             "--z-size", "2", "--seed", "3", "--checkpoint-dir", folder.path, "--blas-threads", "1"])
        let trained = try Self.checkpoint(folder.appendingPathComponent("checkpoint.gantry"))
        let recorded = try Self.checkpoint(Self.fixtures.appendingPathComponent("notebook-2-epochs.gantry"))
        #expect(recorded.version == 1 && trained.version > 1)
        Self.expectSameTraining(trained, as: recorded)
    }

    /// One more epoch from the version 1 file ends with the weights, optimizer state and
    /// RNG state the earlier code reached resuming the same file.
    @Test func aVersionOneFileResumesExactly() throws {
        let folder = Paths.temporaryDirectory("recorded-resume")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("notebook-2-epochs.gantry"),
                                         to: folder.appendingPathComponent("checkpoint.gantry"))
        let out = try Self.gantry(["train", "--data", Paths.mnist5k.path, "--epochs", "3", "--resume",
                                   "--checkpoint-dir", folder.path, "--blas-threads", "1"])
        #expect(out.contains("after epoch 2"), "\(out)")
        let trained = try Self.checkpoint(folder.appendingPathComponent("checkpoint.gantry"))
        let recorded = try Self.checkpoint(Self.fixtures.appendingPathComponent("notebook-3-epochs-resumed.gantry"))
        Self.expectSameTraining(trained, as: recorded)
    }

    /// The version 1 file samples the digits `gantry sample` drew from it then.
    @Test func aVersionOneFileSamplesTheSameDigits() throws {
        let folder = Paths.temporaryDirectory("recorded-samples")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("samples.pgm")
        _ = try Self.gantry(["sample", "--checkpoint", Self.fixtures.appendingPathComponent("notebook-2-epochs.gantry").path,
                             "--count", "4", "--seed", "11", "--columns", "4", "--pad", "0", "--output", output.path], reportsCore: false)
        let drawn = try Data(contentsOf: output)
        #expect(drawn == (try Data(contentsOf: Self.fixtures.appendingPathComponent("samples-seed11.pgm"))))
    }
}
