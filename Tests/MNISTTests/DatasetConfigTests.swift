import Foundation
import Testing
@testable import MNIST

@Suite("Dataset config")
struct DatasetConfigTests {
    /// One top-level object of config/gantry.json, as JSON bytes.
    private func configSection(_ key: String) throws -> Data {
        let data = try #require(FileManager.default.contents(atPath: TestPaths.defaultConfig))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try JSONSerialization.data(withJSONObject: try #require(root[key]))
    }

    @Test("config/gantry.json holds exactly the built-in datasets and download defaults")
    func defaultConfigFile() throws {
        let datasets = try JSONDecoder().decode([String: DatasetSpec].self, from: configSection("datasets"))
        #expect(datasets == DatasetSpec.defaults)
        #expect(try JSONDecoder().decode(DownloadOptions.self, from: configSection("download")) == DownloadOptions())
        #expect(datasets["mnist"]?.baseURLs == [
            "https://storage.googleapis.com/cvdf-datasets/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/",
        ])
        #expect(datasets["mnist"]?.files.trainImages == DatasetFile(
            name: "train-images-idx3-ubyte.gz", sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", size: 9_912_422))
        for (name, spec) in datasets { #expect(spec.problems(name: name).isEmpty) }
    }

    @Test("encoding writes snake_case keys and decodes back")
    func roundTrip() throws {
        let encoded = try JSONEncoder().encode(DatasetSpec.fashionMNIST)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains("\"base_urls\"") && text.contains("\"train_images\"") && text.contains("\"sha256\""))
        #expect(try JSONDecoder().decode(DatasetSpec.self, from: encoded) == DatasetSpec.fashionMNIST)
        let options = DownloadOptions(lowSpeedTimeSeconds: 5, attemptsPerMirror: 7)
        #expect(try JSONDecoder().decode(DownloadOptions.self, from: JSONEncoder().encode(options)) == options)
    }

    @Test("an unknown key is an error naming it, not a silently ignored setting")
    func unknownKey() throws {
        let json = """
            {"base_urls": ["https://example.org/"], "files": {
              "train_images": {"name": "a", "sha265": "x", "size": 1}}}
            """
        do {
            _ = try JSONDecoder().decode(DatasetSpec.self, from: Data(json.utf8))
            Issue.record("decoded a spec with a misspelt key")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.contains("unknown key \"sha265\""))
            #expect(context.codingPath.map(\.stringValue) == ["files", "train_images", "sha265"])
        }
        let options = #"{"attempts_per_mirorr": 2}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DownloadOptions.self, from: Data(options.utf8)) }
        #expect(try JSONDecoder().decode(DownloadOptions.self, from: Data(#"{"attempts_per_mirror": 2}"#.utf8)).attemptsPerMirror == 2)
    }

    @Test("validation lists every problem: schemes, hosts, names that could leave the folder, checksums, sizes")
    func validation() {
        var spec = DatasetSpec.mnist
        spec.baseURLs = ["ftp://mirror.example/", "https://", "mirror.example/mnist", "FILE:///data/"]
        spec.files.trainImages.name = "../../etc/passwd"
        spec.files.trainLabels.sha256 = "not-a-checksum"
        spec.files.testImages.size = 0
        spec.files.testLabels.name = "train-labels-idx1-ubyte.gz"
        let problems = spec.problems(name: "bad/name")
        #expect(problems == [
            "dataset name \"bad/name\" must be letters, digits, '.', '_' or '-' (it names a folder)",
            "dataset bad/name: base URL \"ftp://mirror.example/\" uses ftp://; only http, https and file are allowed",
            "dataset bad/name: base URL \"https://\" has no host",
            "dataset bad/name: base URL \"mirror.example/mnist\" has no scheme; use http://, https:// or file://",
            "dataset bad/name, file ../../etc/passwd: the name must be letters, digits, '.', '_' or '-' and not start with '.'",
            "dataset bad/name, file train-labels-idx1-ubyte.gz: sha256 must be 64 hexadecimal digits (got \"not-a-checksum\")",
            "dataset bad/name, file t10k-images-idx3-ubyte.gz: size must be between 1 and 4294967296 bytes (got 0)",
            "dataset bad/name lists the file train-labels-idx1-ubyte.gz twice",
        ])
        #expect(DatasetSpec.mnist.problems(name: "mnist").isEmpty && DatasetSpec.fashionMNIST.problems(name: "fashion-mnist").isEmpty)
        // No mirror is allowed: such a dataset is only ever imported (`gantry download NAME --from`).
        #expect(DatasetSpec.mnist5k.baseURLs.isEmpty && DatasetSpec.mnist5k.problems(name: "mnist5k").isEmpty)
    }

    @Test("download options out of range are refused")
    func optionProblems() {
        let bad = DownloadOptions(connectTimeoutSeconds: 0, lowSpeedLimitBytesPerSecond: 0, lowSpeedTimeSeconds: 0,
                                  attemptsPerMirror: 0, retryBaseDelaySeconds: 5, retryMaxDelaySeconds: 1)
        #expect(bad.problems.count == 5)
        #expect(DownloadOptions().problems.isEmpty)
        // Backoff doubles, is capped, and is jittered within [50%, 100%] of the step.
        let options = DownloadOptions(retryBaseDelaySeconds: 1, retryMaxDelaySeconds: 5)
        for _ in 0..<50 {
            #expect((0.5...1).contains(options.retryDelay(afterAttempt: 1)))
            #expect((2...4).contains(options.retryDelay(afterAttempt: 3)))
            #expect((2.5...5).contains(options.retryDelay(afterAttempt: 10)))
        }
    }
}
