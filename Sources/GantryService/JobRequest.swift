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

        let document: JSONValue
        do { document = try JSONValue.parse(body) } catch let error as JSONValue.SyntaxError {
            throw APIError(.badRequest, .invalidJson, "the request body is not valid JSON: \(error)")
        }
        guard case .object(let fields) = document else {
            throw APIError(.badRequest, .invalidJson, "the request body must be a JSON object")
        }
        if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw APIError(.badRequest, .unknownField, "unknown field \"\(unknown.prefix(64))\"; the fields are \(Self.fields.joined(separator: ", "))")
        }
        let request = RequestFields(fields: fields)
        if let v = try request.string("dataset") { config.dataset = v }
        if let v = try request.integer("epochs") { config.training.epochs = v }
        if let v = try request.integer("batch_size") { config.training.batchSize = v }
        if let v = try request.integer("z_size") { config.training.zSize = v }
        if let v = try request.integer("g_hidden") { config.training.gHidden = v }
        if let v = try request.integer("d_hidden") { config.training.dHidden = v }
        if let v = try request.float("alpha") { config.training.alpha = v }
        if let v = try request.float("smooth") { config.training.smooth = v }
        if let v = try request.float("learning_rate") { config.training.learningRate = v }
        if let v = try request.float("beta1") { config.training.beta1 = v }
        if let v = try request.seed("seed") { config.training.seed = v }
        if let v = try request.integer("samples_per_epoch") { config.samplesPerEpoch = v }
        if let v = try request.evaluationSchedule("eval_every") { config.evalEvery = v }
        if let v = try request.integer("eval_samples") { config.evalSamples = v }
        return try checked(config, datasets: datasets, budget: memoryBudgetBytes)
    }

    static func checked(_ config: JobConfig, datasets: Set<String>, budget: Int) throws -> JobConfig {
        guard datasets.contains(config.dataset) else {
            throw APIError(.badRequest, .invalidParameter,
                           "dataset \"\(config.dataset)\" is not configured; the configured datasets are \(datasets.sorted().joined(separator: ", "))")
        }
        do { try config.training.validate() } catch let error as TrainingConfigError {
            throw APIError(.badRequest, .invalidParameter, error.message)
        }
        guard (1...256).contains(config.samplesPerEpoch) else {
            throw APIError(.badRequest, .invalidParameter, "samples_per_epoch must be between 1 and 256")
        }
        if case .every(let n) = config.evalEvery, !(0...10_000).contains(n) {
            throw APIError(.badRequest, .invalidParameter, "eval_every must be \"auto\" or between 0 (no evaluation) and 10000")
        }
        guard (500...50_000).contains(config.evalSamples) else {
            throw APIError(.badRequest, .invalidParameter, "eval_samples must be between 500 and 50000")
        }
        let estimate = config.estimatedBytes
        guard estimate <= budget else {
            throw APIError(.badRequest, .overBudget,
                           "this job needs about \(estimate >> 20) MiB to train, over the configured memory_budget_bytes of \(budget >> 20) MiB")
        }
        return config
    }
}

/// The fields of a job request, each read by one rule for its kind, with a 400
/// naming the field when the value is of another kind.
struct RequestFields {
    let fields: [String: JSONValue]

    private func refuse(_ name: String, _ kind: String) -> APIError {
        APIError(.badRequest, .invalidParameter, "\(name) must be \(kind)")
    }

    func string(_ name: String) throws -> String? {
        guard let value = fields[name] else { return nil }
        guard case .string(let text) = value else { throw refuse(name, "a string") }
        return text
    }

    /// Digits only (an optional minus sign first): `3`, not `3.0` or `3e0`.
    func integer(_ name: String) throws -> Int? {
        guard let value = fields[name] else { return nil }
        guard case .number(let literal) = value, literal.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else {
            throw refuse(name, "a whole number")
        }
        // Beyond Int: far outside every range, so refused as out of range by the field's check.
        return Int(literal) ?? (literal.hasPrefix("-") ? Int.min : Int.max)
    }

    /// The literal rounded to the nearest `Double`, then to `Float`: `1e-46` and
    /// `1e-400` both read as 0, `1e400` is refused as not finite.
    func float(_ name: String) throws -> Float? {
        guard let value = fields[name] else { return nil }
        guard case .number(let literal) = value, let double = Double(literal) else { throw refuse(name, "a number") }
        guard double.isFinite, Float(double).isFinite else { throw refuse(name, "a finite number") }
        return Float(double)
    }

    func seed(_ name: String) throws -> UInt64? {
        let kind = "a whole number between 0 and 18446744073709551615"
        guard let value = fields[name] else { return nil }
        guard case .number(let literal) = value, let seed = UInt64(literal) else { throw refuse(name, kind) }
        return seed
    }

    func evaluationSchedule(_ name: String) throws -> EvaluationSchedule? {
        guard let value = fields[name] else { return nil }
        if case .string("auto") = value { return .auto }
        guard case .number = value, let every = try integer(name) else { throw refuse(name, "\"auto\" or a whole number") }
        return .every(every)
    }
}

