import Foundation
import GAN

/// Turns a `POST /v1/jobs` body into a `JobConfig`: every field optional, unknown
/// fields and wrong types refused with the field's name, ranges checked.
public enum JobRequest {
    static let fields = ["dataset", "epochs", "batch_size", "z_size", "g_hidden", "d_hidden", "alpha", "smooth",
                         "learning_rate", "beta1", "seed", "samples_per_epoch", "eval_every", "eval_samples"]

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
        func field<T: Decodable>(_ name: String, _ type: T.Type, _ kind: String) throws -> T? {
            guard let value = dictionary[name] else { return nil }
            do {
                let bytes = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
                return try JSONDecoder().decode(T.self, from: bytes)
            } catch {
                throw APIError(.badRequest, "invalid_parameter", "\(name) must be \(kind)")
            }
        }
        let integer = "a whole number"
        if let v = try field("dataset", String.self, "a string") { config.dataset = v }
        if let v = try field("epochs", Int.self, integer) { config.training.epochs = v }
        if let v = try field("batch_size", Int.self, integer) { config.training.batchSize = v }
        if let v = try field("z_size", Int.self, integer) { config.training.zSize = v }
        if let v = try field("g_hidden", Int.self, integer) { config.training.gHidden = v }
        if let v = try field("d_hidden", Int.self, integer) { config.training.dHidden = v }
        if let v = try field("alpha", Float.self, "a number") { config.training.alpha = v }
        if let v = try field("smooth", Float.self, "a number") { config.training.smooth = v }
        if let v = try field("learning_rate", Float.self, "a number") { config.training.learningRate = v }
        if let v = try field("beta1", Float.self, "a number") { config.training.beta1 = v }
        if let v = try field("seed", UInt64.self, "a whole number between 0 and 18446744073709551615") { config.training.seed = v }
        if let v = try field("samples_per_epoch", Int.self, integer) { config.samplesPerEpoch = v }
        if let v = try field("eval_every", EvaluationSchedule.self, "\"auto\" or a whole number") { config.evalEvery = v }
        if let v = try field("eval_samples", Int.self, integer) { config.evalSamples = v }
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
        if case .every(let n) = config.evalEvery, !(0...10_000).contains(n) {
            throw APIError(.badRequest, "invalid_parameter", "eval_every must be \"auto\" or between 0 (no evaluation) and 10000")
        }
        guard (500...50_000).contains(config.evalSamples) else {
            throw APIError(.badRequest, "invalid_parameter", "eval_samples must be between 500 and 50000")
        }
        let estimate = config.estimatedBytes
        guard estimate <= budget else {
            throw APIError(.badRequest, "over_budget",
                           "this job needs about \(estimate >> 20) MiB to train, over the configured memory_budget_bytes of \(budget >> 20) MiB")
        }
        return config
    }
}
