import GAN
import HTTPServer

/// Which digits a conditional job's `samples` draws: `digit=N` (all N), `digits=all`
/// (a row per digit, `columns` of each), or neither (every digit in turn).
struct DigitQuery {
    enum Choice { case inTurn, one(Int), everyRow(columns: Int) }
    let choice: Choice

    /// The question is checked first (400), then whether this job can answer it: a job
    /// trained without labels conflicts with any digit asked of it (409).
    init(_ request: HTTPRequest, conditional: Bool) throws {
        let digit = request.query("digit"), digits = request.query("digits")
        let choice: Choice
        switch (digit, digits) {
        case (nil, nil):
            self.choice = .inTurn
            return
        case (.some, .some):
            throw APIError(.badRequest, .invalidParameter, "give digit or digits, not both")
        case (.some, nil):
            choice = .one(try request.integer("digit", in: 0...(TrainingConfig.labelCount - 1), default: 0))
        case (nil, .some(let digits)):
            guard digits == "all" else { throw APIError(.badRequest, .invalidParameter, "digits must be all") }
            guard request.query("count") == nil else {
                throw APIError(.badRequest, .invalidParameter, "digits=all draws 10 rows of columns digits each; count does not apply")
            }
            choice = .everyRow(columns: try request.integer("columns", in: 1...25, default: 8))
        }
        guard conditional else {
            throw APIError(.conflict, .notConditional, "digit and digits need a job trained with conditional: true; this one was not")
        }
        self.choice = choice
    }

    /// The sample count `digits=all` implies; nil when the request's `count` decides.
    var count: Int? {
        if case .everyRow(let columns) = choice { return columns * TrainingConfig.labelCount }
        return nil
    }

    /// The grid width `digits=all` implies; nil when the request's `columns` decides.
    var columns: Int? {
        if case .everyRow(let columns) = choice { return columns }
        return nil
    }

    /// The label of each sample; nil for a generator's own choice (every digit in turn).
    func labels(count: Int) -> [Int]? {
        switch choice {
        case .inTurn: nil
        case .one(let digit): Array(repeating: digit, count: count)
        case .everyRow(let columns): (0..<count).map { $0 / columns }
        }
    }
}
