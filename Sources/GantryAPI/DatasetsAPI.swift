import Foundation
import HTTPServer
import MNIST
import GantryJobs

/// `GET /v1/datasets` and `GET /v1/datasets/{name}`: the configured datasets, whether
/// they are on disk, and their quality yardstick (classifier accuracy, real data's scores).
package struct DatasetsAPI: Sendable {
    let specs: [String: DatasetSpec]
    let references: QualityReferences

    package init(specs: [String: DatasetSpec], references: QualityReferences) {
        self.specs = specs
        self.references = references
    }

    enum Keys: String, CodingKey {
        case name, downloaded, classifier, reference, note, links
    }

    enum ClassifierKeys: String, CodingKey {
        case testAccuracy = "test_accuracy", testImages = "test_images", trainImages = "train_images", epochs
        case seconds, builtAt = "built_at"
    }

    enum ReferenceKeys: String, CodingKey {
        case fd, inceptionScore = "inception_score", classCounts = "class_counts", confidentShare = "confident_share", samples
    }

    struct View: Encodable {
        let name: String
        let downloaded: Bool
        let quality: DatasetQuality?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(name, forKey: .name)
            try c.encode(downloaded, forKey: .downloaded)
            if let quality {
                var k = c.nestedContainer(keyedBy: ClassifierKeys.self, forKey: .classifier)
                try k.encode(quality.testAccuracy, forKey: .testAccuracy)
                try k.encode(quality.testImages, forKey: .testImages)
                try k.encode(quality.trainImages, forKey: .trainImages)
                try k.encode(quality.classifierEpochs, forKey: .epochs)
                try k.encode(quality.classifierSeconds, forKey: .seconds)
                try k.encode(quality.builtAt, forKey: .builtAt)
                // The test split's two halves scored against each other: what real digits score.
                var r = c.nestedContainer(keyedBy: ReferenceKeys.self, forKey: .reference)
                try r.encode(quality.real.fd, forKey: .fd)
                try r.encode(quality.real.inceptionScore, forKey: .inceptionScore)
                try r.encode(quality.real.classCounts, forKey: .classCounts)
                try r.encode(quality.real.confidentShare, forKey: .confidentShare)
                try r.encode(quality.realSamples, forKey: .samples)
            } else {
                try c.encodeNil(forKey: .classifier)
                try c.encodeNil(forKey: .reference)
                try c.encode("the quality classifier is trained the first time a job on \(name) evaluates (eval_every above 0)", forKey: .note)
            }
            try c.encode(["self": "/v1/datasets/\(name)"], forKey: .links)
        }
    }

    func view(_ name: String) -> View {
        let directory = references.datasets.directory(for: name)
        let downloaded = specs[name]?.files.all.allSatisfy {
            FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0.name))
        } ?? false
        return View(name: name, downloaded: downloaded, quality: references.summary(for: name))
    }

    func list(_ request: HTTPRequest) throws -> HTTPResponse {
        try APIJSON.response(["datasets": specs.keys.sorted().map(view)])
    }

    func show(_ request: HTTPRequest) throws -> HTTPResponse {
        let name = request.parameter("name") ?? ""
        guard specs[name] != nil else {
            throw APIError(.notFound, .notFound,
                           "no dataset named \"\(name.prefix(64))\" is configured; the configured datasets are \(specs.keys.sorted().joined(separator: ", "))")
        }
        return try APIJSON.response(view(name))
    }
}
