import Foundation
import Testing
@testable import MNIST

/// `DatasetCache.importFiles`: a dataset taken from a local folder instead of its
/// mirrors, with the download's checks, and the way out a failed download names.
@Suite("Dataset import from a folder")
struct DatasetImportTests {
    let fileNames = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]

    @Test("the built-in mnist5k pins exactly the files of fixtures/mnist5k")
    func builtInMatchesTheFixture() throws {
        // The image count is read from the fixture's own labels, not copied from the spec.
        let labels = try IDXReader.readLabels(at: TestPaths.mnist5k + "/train-labels-idx1-ubyte.gz").count
            + IDXReader.readLabels(at: TestPaths.mnist5k + "/t10k-labels-idx1-ubyte.gz").count
        var fixture = try localSpec(baseURLs: [])
        fixture.images = labels
        #expect(fixture == DatasetSpec.mnist5k)
        #expect(DatasetSpec.defaults["mnist5k"] == DatasetSpec.mnist5k)
    }

    @Test("the fixture is imported, decoded, and a second import copies nothing")
    func importThenCached() throws {
        let state = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(state) }
        let cache = DatasetCache(stateDirectory: state)
        let report = try cache.importFiles("mnist5k", from: TestPaths.mnist5k)
        #expect(report.downloadedFiles == fileNames)
        #expect(try cache.load("mnist5k", split: .train).images.count == 4000)
        #expect(try cache.load("mnist5k", split: .test).labels.count == 1000)
        #expect(try cache.importFiles("mnist5k", from: TestPaths.mnist5k).downloadedFiles.isEmpty)
    }

    @Test("a folder lacking files: every missing name in one error, nothing cached")
    func missingFiles() throws {
        let state = TestPaths.temporaryDirectory(), folder = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(state); TestPaths.remove(folder) }
        try FileManager.default.copyItem(atPath: TestPaths.mnist5k + "/train-images-idx3-ubyte.gz", toPath: folder + "/train-images-idx3-ubyte.gz")
        let cache = DatasetCache(stateDirectory: state)
        let error = #expect(throws: DatasetImportError.self) { try cache.importFiles("mnist5k", from: folder) }
        #expect(error?.missing == Array(fileNames.dropFirst()))
        #expect(error?.description.contains("lacks train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz") == true)
        #expect(!FileStatus.isRegularFile(cache.directory(for: "mnist5k") + "/train-images-idx3-ubyte.gz"))
        let notFolder = #expect(throws: DatasetImportError.self) { try cache.importFiles("mnist5k", from: folder + "/nothing-here") }
        #expect(notFolder?.notAFolder == true)
    }

    @Test("a tampered file of the right size is refused by its checksum and not cached")
    func tamperedFile() throws {
        let state = TestPaths.temporaryDirectory(), folder = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(state); TestPaths.remove(folder) }
        for name in fileNames { try FileManager.default.copyItem(atPath: TestPaths.mnist5k + "/" + name, toPath: folder + "/" + name) }
        var labels = try Data(contentsOf: URL(fileURLWithPath: folder + "/train-labels-idx1-ubyte.gz"))
        labels[labels.count / 2] ^= 0xFF
        try labels.write(to: URL(fileURLWithPath: folder + "/train-labels-idx1-ubyte.gz"))
        let cache = DatasetCache(stateDirectory: state)
        let error = #expect(throws: DownloadError.self) { try cache.importFiles("mnist5k", from: folder) }
        #expect(error?.file == "train-labels-idx1-ubyte.gz")
        #expect(error?.description.contains("expected sha256 \(DatasetSpec.mnist5k.files.trainLabels.sha256)") == true)
        // A failed import does not advertise itself as the way out.
        #expect(error?.description.contains("--from") == false)
        #expect(!FileStatus.isRegularFile(cache.directory(for: "mnist5k") + "/train-labels-idx1-ubyte.gz"))
    }

    @Test("a dataset with no mirror, not yet imported: the error says how to import it")
    func noMirrorNamesTheImport() throws {
        let state = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(state) }
        let error = #expect(throws: DownloadError.self) { try DatasetCache(stateDirectory: state).prepare("mnist5k") }
        #expect(error?.attempts.isEmpty == true)
        #expect(error?.description.contains("the dataset has no mirror") == true)
        #expect(error?.description.hasSuffix("gantry download mnist5k --from FOLDER") == true)
    }

    @Test("every mirror unreachable: the error lists them and names the import")
    func unreachableMirrorsNameTheImport() throws {
        let state = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(state) }
        let refusing = "http://127.0.0.1:\(try unusedPort())/"
        let cache = DatasetCache(stateDirectory: state, datasets: ["digits": try localSpec(baseURLs: [refusing])],
                                 downloader: Downloader(options: fastOptions))
        let error = #expect(throws: DownloadError.self) { try cache.prepare("digits") }
        #expect(error?.urls == [refusing + "train-images-idx3-ubyte.gz"])
        #expect(error?.description.contains("curl error 7") == true)
        #expect(error?.description.hasSuffix("copy the dataset's files onto it and import them: gantry download digits --from FOLDER") == true)
    }
}
