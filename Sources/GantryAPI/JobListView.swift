/// One page of `GET /v1/jobs`: `{"jobs": [...], "next_cursor": "…" or null}`. The
/// `jobs` key is the list's shape from before it had pages; `next_cursor` is always
/// present, null on the last page.
struct JobListView: Encodable {
    static let defaultLimit = 100
    static let limits = 1...1000

    let jobs: [JobView]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey { case jobs, nextCursor = "next_cursor" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobs, forKey: .jobs)
        try c.encode(nextCursor, forKey: .nextCursor)  // null, not absent, on the last page
    }
}
