import Crypto
import Foundation
import GAN
import MNIST
import GantryJobs

/// Turns a `POST /v1/jobs` body into a `JobConfig`: every field optional, unknown
/// fields and wrong types refused with the field's name, ranges checked.
public enum JobRequest {
    static let fields = ["dataset", "model", "epochs", "batch_size", "z_size", "g_hidden", "d_hidden", "g_channels", "d_channels",
                         "alpha", "smooth", "learning_rate", "beta1", "d_dropout", "ema_decay", "d_augment", "conditional", "seed", "samples_per_epoch", "eval_every", "eval_samples"]

    /// Seeds drawn for the user stay below 2^53 so a JavaScript client reads them exactly.
    static let maxDrawnSeed: UInt64 = (1 << 53) - 1

    /// `datasetImages` gives each dataset's image count for the memory estimate (absent: MNIST's).
    public static func parse(_ body: [UInt8], datasets: Set<String>, memoryBudgetBytes: Int, diskBudgetBytes: Int = .max,
                             datasetImages: [String: Int] = [:]) throws -> JobConfig {
        try parseRequest(body, datasets: datasets, memoryBudgetBytes: memoryBudgetBytes, diskBudgetBytes: diskBudgetBytes,
                         datasetImages: datasetImages).config
    }

    /// A request's job and its canonical form: what the idempotency check compares, so
    /// the same fields in another order, spacing or number spelling are the same request.
    struct Parsed {
        var config: JobConfig
        var canonical: [UInt8]

        /// The canonical form's SHA-256 in hex: what a job made with an idempotency key
        /// keeps, and what a retry with that key must match.
        var hash: String { SHA256.hash(data: canonical).map { String(format: "%02x", $0) }.joined() }
    }

    static func parseRequest(_ body: [UInt8], datasets: Set<String>, memoryBudgetBytes: Int, diskBudgetBytes: Int = .max,
                             datasetImages: [String: Int] = [:]) throws -> Parsed {
        var config = JobConfig()
        var requestedSeed: UInt64?
        config.training.seed = UInt64.random(in: 1...maxDrawnSeed)
        func parsed() throws -> Parsed {
            let checkedConfig = try checked(config, datasets: datasets, budget: memoryBudgetBytes, diskBudget: diskBudgetBytes,
                                            datasetImages: datasetImages)
            return Parsed(config: checkedConfig, canonical: try canonical(checkedConfig, requestedSeed: requestedSeed))
        }
        let trimmed = body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard !trimmed.isEmpty else { return try parsed() }

        let document: JSONValue
        do { document = try JSONValue.parse(body) } catch let error as JSONValue.SyntaxError {
            throw APIError(.badRequest, .invalidJson, "the request body is not valid JSON: \(error)")
        }
        guard case .object = document else {
            throw APIError(.badRequest, .invalidJson, "the request body must be a JSON object")
        }
        do {
            let fields = try JSONValueDecoder().decode(Fields.self, from: document)
            let drawn = config.training.seed
            config = fields.config
            config.training.seed = fields.seed ?? drawn
            requestedSeed = fields.seed
        } catch let error as DecodingError {
            if let unknown = error.unknownKey {
                throw APIError(.badRequest, .unknownField, "unknown field \"\(unknown.prefix(64))\"; the fields are \(Self.fields.joined(separator: ", "))")
            }
            throw APIError(.badRequest, .invalidParameter, "\(error.keyPath) \(error.readableMessage)")
        }
        return try parsed()
    }

    /// The job a request asks for, every field resolved (a default written out or left
    /// out is the same request), with the seed as asked: a drawn seed is not part of it.
    static func canonical(_ config: JobConfig, requestedSeed: UInt64?) throws -> [UInt8] {
        struct Canonical: Encodable {
            let config: JobConfig
            let seed: UInt64?
        }
        var asked = config
        asked.training.seed = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(Canonical(config: asked, seed: requestedSeed)))
    }

    /// A request's fields over the defaults, each read by `JSONValueDecoder`'s rule for
    /// its type; `null` or absent keeps the default.
    struct Fields: Decodable {
        var config = JobConfig()
        /// The request's seed; none means one is drawn for the job.
        var seed: UInt64?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: ConfigKey.self)
            try c.rejectUnknownKeys(JobRequest.fields)
            func read<T: Decodable>(_ name: String, into value: inout T) throws {
                if let given = try c.decodeIfPresent(T.self, snake: name) { value = given }
            }
            try read("dataset", into: &config.dataset)
            // The recipe first: it sets defaults that the fields below override.
            if let recipe = try c.decodeIfPresent(ModelRecipe.self, snake: "model") { config.training = recipe.applied(to: config.training) }
            try read("epochs", into: &config.training.epochs)
            try read("batch_size", into: &config.training.batchSize)
            try read("z_size", into: &config.training.zSize)
            try read("g_hidden", into: &config.training.gHidden)
            try read("d_hidden", into: &config.training.dHidden)
            /// A float field: its decimal value checked against the range as written (as the
            /// API document's JSON Schema checks it), then the nearest float in that range.
            func read(_ name: String, into value: inout Float) throws {
                guard let given = try c.decodeIfPresent(Double.self, snake: name) else { return }
                // Out of range as written is NaN, which TrainingConfig's check refuses in its own
                // words: the nearest float could round back inside (0.9000000001 is 0.9 as a float).
                value = TrainingConfig.floatRanges[name]?.nearestFloat(to: given) ?? .nan
            }
            try read("alpha", into: &config.training.alpha)
            try read("smooth", into: &config.training.smooth)
            try read("learning_rate", into: &config.training.learningRate)
            try read("beta1", into: &config.training.beta1)
            try read("d_dropout", into: &config.training.dDropout)
            try read("ema_decay", into: &config.training.emaDecay)
            try read("d_augment", into: &config.training.dAugment)
            try read("conditional", into: &config.training.conditional)
            try read("g_channels", into: &config.training.gChannels)
            try read("d_channels", into: &config.training.dChannels)
            seed = try c.decodeIfPresent(UInt64.self, snake: "seed")
            try read("samples_per_epoch", into: &config.samplesPerEpoch)
            try read("eval_every", into: &config.evalEvery)
            try read("eval_samples", into: &config.evalSamples)
        }
    }

    static func checked(_ config: JobConfig, datasets: Set<String>, budget: Int, diskBudget: Int = .max,
                        datasetImages: [String: Int]) throws -> JobConfig {
        guard datasets.contains(config.dataset) else {
            // Well formed, and naming a dataset this daemon has not: a 404, as GET /v1/datasets/NAME is.
            throw APIError(.notFound, .notFound,
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
        let estimate = config.estimatedBytes(datasetImages: datasetImages[config.dataset] ?? DatasetSpec.assumedImages)
        guard estimate <= budget else {
            throw APIError(.forbidden, .overBudget,
                           "this job needs about \(estimate >> 20) MiB to train (the daemon's peak memory while it trains), over the configured memory_budget_bytes of \(budget >> 20) MiB")
        }
        let disk = config.diskEstimateBytes
        guard disk <= diskBudget else {
            throw APIError(.forbidden, .overBudget,
                           "this job may write up to \(SchedulerRefusal.mebibytes(disk)) MiB to the state folder (\(config.training.epochs) epochs of "
                           + "\(config.samplesPerEpoch) samples and a loss record, and its checkpoints), over the configured disk_budget_bytes of "
                           + "\(diskBudget >> 20) MiB; ask for fewer epochs or samples_per_epoch")
        }
        return config
    }
}
