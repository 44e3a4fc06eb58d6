import Foundation
import Testing
@testable import GantryJobs

/// The best-generator files a job keeps, against a real folder.
@Suite struct JobFilesTests {
    @Test func pruningKeepsTheNewestBestAtOrBeforeTheResumedEpoch() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-files-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let files = JobFiles(stateDirectory: state)
        try files.prepare("job")
        #expect(files.bestGeneratorEpochs("job").isEmpty)
        for epoch in [3, 7, 12] { try Data([1]).write(to: URL(fileURLWithPath: files.bestGenerator("job", epoch: epoch))) }
        try Data([1]).write(to: URL(fileURLWithPath: files.checkpoint("job")))
        #expect(files.bestGeneratorEpochs("job") == [3, 7, 12])
        #expect(files.bestGenerator("job", epoch: 7).hasSuffix("/jobs/job/best-00007.gantry"))

        // A resume after epoch 10: epoch 12's file belongs to an epoch trained again; 3 was superseded by 7.
        files.pruneBestGenerators("job", keepingAtMost: 10)
        #expect(files.bestGeneratorEpochs("job") == [7])
        #expect(FileManager.default.fileExists(atPath: files.checkpoint("job")))
        // A resume before any kept best leaves none.
        files.pruneBestGenerators("job", keepingAtMost: 5)
        #expect(files.bestGeneratorEpochs("job").isEmpty)
    }
}
