import Foundation
import GAN

/// Turns a `POST /v1/jobs` body into a `JobConfig`: every field optional, unknown
/// fields and wrong types refused with the field's name, ranges checked.
public enum JobRequest {
    static let fields = ["dataset", "epochs", "batch_size", "z_size", "g_hidden", "d_hidden", "alpha", "smooth",
                         "learning_rate", "beta1", "seed", "samples_per_epoch"]

    private struct Body: Decodable {
        var dataset: String?
        var epochs: Int?
        var batch_size: Int?
        var z_size: Int?
        var g_hidden: Int?
        var d_hidden: Int?
        var alpha: Float?
        var smooth: Float?
        var learning_rate: Float?
        var beta1: Float?
        var seed: UInt64?
        var samples_per_epoch: Int?
    }

    /// Seeds drawn for the user stay below 2^53 so a JavaScript client reads them exactly.
    static let maxDrawnSeed: UInt64 = (1 << 53) - 1

    public static func parse(_ body: [UInt8], datasets: Set<String>, memoryBudgetBytes: Int) throws -> JobConfig {
        var config = JobConfig()
        config.training.seed = UInt64.random(in: 1...maxDrawnSeed)
        let trimmed = body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard !trimmed.isEmpty else { return try checked(config, datasets: datasets, budget: memoryBudgetBytes) }

        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(body)) } catch {
            throw APIError(.badRequest, "invalid_json", "the request body is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw APIError(.badRequest, "invalid_json", "the request body must be a JSON object")
        }
        if let unknown = dictionary.keys.sorted().first(where: { !fields.contains($0) }) {
            throw APIError(.badRequest, "unknown_field", "unknown field \"\(unknown)\"; the fields are \(fields.joined(separator: ", "))")
        }
        let parsed: Body
        do { parsed = try JSONDecoder().decode(Body.self, from: Data(body)) } catch let error as DecodingError {
            let field = error.keyPath.isEmpty ? "body" : error.keyPath
            throw APIError(.badRequest, "invalid_parameter", "\(field) has the wrong type or is out of its type's range")
        }
        if let v = parsed.dataset { config.dataset = v }
        if let v = parsed.epochs { config.training.epochs = v }
        if let v = parsed.batch_size { config.training.batchSize = v }
        if let v = parsed.z_size { config.training.zSize = v }
        if let v = parsed.g_hidden { config.training.gHidden = v }
        if let v = parsed.d_hidden { config.training.dHidden = v }
        if let v = parsed.alpha { config.training.alpha = v }
        if let v = parsed.smooth { config.training.smooth = v }
        if let v = parsed.learning_rate { config.training.learningRate = v }
        if let v = parsed.beta1 { config.training.beta1 = v }
        if let v = parsed.seed { config.training.seed = v }
        if let v = parsed.samples_per_epoch { config.samplesPerEpoch = v }
        return try checked(config, datasets: datasets, budget: memoryBudgetBytes)
    }

    static func checked(_ config: JobConfig, datasets: Set<String>, budget: Int) throws -> JobConfig {
        guard datasets.contains(config.dataset) else {
            throw APIError(.badRequest, "invalid_parameter",
                           "dataset \"\(config.dataset)\" is not configured; the configured datasets are \(datasets.sorted().joined(separator: ", "))")
        }
        do { try config.training.validate() } catch let error as TrainingConfigError {
            throw APIError(.badRequest, "invalid_parameter", error.message)
        }
        guard (1...256).contains(config.samplesPerEpoch) else {
            throw APIError(.badRequest, "invalid_parameter", "samples_per_epoch must be between 1 and 256")
        }
        let estimate = config.training.estimatedTrainingBytes
        guard estimate <= budget else {
            throw APIError(.badRequest, "over_budget",
                           "this job needs about \(estimate >> 20) MiB to train, over the configured memory_budget_bytes of \(budget >> 20) MiB")
        }
        return config
    }
}
