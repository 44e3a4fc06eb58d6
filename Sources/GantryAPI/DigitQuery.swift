import GAN
import HTTPServer

/// Which digits a conditional job's `samples` draws: `digit=N` (all N), `digits=all`
/// (a row per digit, `columns` of each), or neither (every digit in turn).
struct DigitQuery {
    enum Choice { case inTurn, one(Int), everyRow(columns: Int) }
    let choice: Choice

    init(_ request: HTTPRequest, conditional: Bool) throws {
        let digit = request.query("digit"), digits = request.query("digits")
        guard digit != nil || digits != nil else { choice = .inTurn; return }
        guard conditional else {
            throw APIError(.badRequest, .invalidParameter, "digit and digits need a job trained with conditional: true")
        }
        guard digit == nil || digits == nil else { throw APIError(.badRequest, .invalidParameter, "give digit or digits, not both") }
        if digit != nil {
            choice = .one(try request.integer("digit", in: 0...(TrainingConfig.labelCount - 1), default: 0))
            return
        }
        guard digits == "all" else { throw APIError(.badRequest, .invalidParameter, "digits must be all") }
        guard request.query("count") == nil else {
            throw APIError(.badRequest, .invalidParameter, "digits=all draws 10 rows of columns digits each; count does not apply")
        }
        choice = .everyRow(columns: try request.integer("columns", in: 1...25, default: 8))
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
