import HTTPServer
import GantryJobs

extension HTTPRequest {
    /// An integer query parameter within `range`, `fallback` when absent; a 400 naming it otherwise.
    func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = query(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(.badRequest, .invalidParameter, "\(name) must be a whole number between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    func unsigned(_ name: String, default fallback: UInt64) throws -> UInt64 {
        guard let text = query(name) else { return fallback }
        guard let value = UInt64(text) else {
            throw APIError(.badRequest, .invalidParameter, "\(name) must be a whole number between 0 and \(UInt64.max)")
        }
        return value
    }

    /// The `{id}` path parameter, checked before it reaches the store.
    func jobID() throws -> String {
        let id = parameter("id") ?? ""
        guard Job.isValidID(id) else { throw APIError(.notFound, .notFound, "no job with id \(id.prefix(64))") }
        return id
    }
}
