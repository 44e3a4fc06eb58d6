import Foundation
import GantryAPI

extension BearerAuth {
    /// The one check of a token file: `serve` and `--check-config` both make one.
    public init(tokenFile: String) throws {
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw ConfigError(key: "auth_token_file", message: "cannot read \(tokenFile)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count >= 16 else {
            throw ConfigError(key: "auth_token_file", message: "\(tokenFile) holds a token shorter than 16 characters")
        }
        self.init(token: Array(text.utf8))
    }
}

extension ServiceConfig {
    /// Reads and checks `auth_token_file`, when one is set, as the daemon does at start
    /// (so `serve --check-config` refuses what `serve` refuses, in its words).
    public func checkAuthTokenFile() throws {
        _ = try authTokenFile.map(BearerAuth.init(tokenFile:))
    }
}
