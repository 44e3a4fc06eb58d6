import Foundation
import GantryTestSupport
import Testing
@testable import MNIST

/// The full Fashion-MNIST from Debian's `dataset-fashion-mnist` package,
/// served over loopback and fetched through libcurl like any mirror. Runs
/// when the package is installed (`.ci/run` installs it).
@Suite("Fashion-MNIST over loopback")
struct FashionMNISTDownloadTests {
    static let need = "Debian's dataset-fashion-mnist in \(TestPaths.fashionMNIST) (apt-get install dataset-fashion-mnist)"
    static var installed: Bool { FileManager.default.fileExists(atPath: TestPaths.fashionMNIST + "/train-images-idx3-ubyte.gz") }

    @Test("downloads, verifies and decodes 60,000 + 10,000 images", .needs(need, installed))
    func fullDataset() throws {
        try requireResource(Self.need, Self.installed)
        let server = try FaultServer(root: TestPaths.fashionMNIST)
        defer { server.stop() }
        let state = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(state) }
        // Debian recompressed the files, so their checksums are computed here rather than upstream's.
        let spec = try localSpec(folder: TestPaths.fashionMNIST, baseURLs: [server.base("ok")])
        let cache = DatasetCache(stateDirectory: state, datasets: ["fashion-mnist-debian": spec])
        let started = Date()
        try cache.prepare("fashion-mnist-debian")
        let downloaded = Date()
        let train = try cache.load("fashion-mnist-debian", split: .train)
        let test = try cache.load("fashion-mnist-debian", split: .test)
        let decoded = Date()
        #expect(train.images.count == 60_000 && train.labels.count == 60_000)
        #expect(test.images.count == 10_000 && test.labels.count == 10_000)
        for label in 0..<10 { #expect(train.labels.filter { $0 == label }.count == 6_000) }
        let bytes = spec.files.all.reduce(0) { $0 + $1.size }
        print(String(format: "fashion-mnist over loopback: %.1f MB downloaded and verified in %.2f s; decoded (with a second verify) in %.2f s",
                     Double(bytes) / 1e6, downloaded.timeIntervalSince(started), decoded.timeIntervalSince(downloaded)))
    }
}
