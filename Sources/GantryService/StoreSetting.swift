import Foundation
import MNIST

/// Which store holds the jobs: `sqlite` (the default: `gantry.sqlite` in the state
/// folder, one daemon) or `postgres` (a database several daemons share). In the
/// config file: `"store": {"kind": "postgres", "url": "postgres://…"}`; the URL may
/// come from `GANTRY_STORE_URL` instead, so a password stays out of the file.
public enum StoreSetting: Sendable, Equatable {
    case sqlite
    case postgres(url: String)

    static let kinds = ["sqlite", "postgres"]

    /// `sqlite` or `postgres`, as the config file names it.
    public var kind: String { self == .sqlite ? "sqlite" : "postgres" }

    /// The URL without its password, for logs and `/metrics`.
    public var redacted: String {
        guard case .postgres(let url) = self else { return "sqlite" }
        guard var parts = URLComponents(string: url) else { return "postgres" }
        if parts.password != nil { parts.password = "***" }
        return parts.string ?? "postgres"
    }
}

/// The `store` section as written: the URL may be left to the environment.
struct StoreSection: Decodable {
    let kind: String
    let url: String?

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ConfigKey.self)
        try c.rejectUnknownKeys(["kind", "url"])
        kind = try c.decodeIfPresent(String.self, snake: "kind") ?? "sqlite"
        guard StoreSetting.kinds.contains(kind) else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [ConfigKey("kind")],
                                                    debugDescription: "must be \"sqlite\" or \"postgres\", not \"\(kind)\""))
        }
        url = try c.decodeIfPresent(String.self, snake: "url")
        if kind == "sqlite", url != nil {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [ConfigKey("url")],
                                                    debugDescription: "is for kind \"postgres\"; the SQLite store lives in state_dir"))
        }
    }
}
