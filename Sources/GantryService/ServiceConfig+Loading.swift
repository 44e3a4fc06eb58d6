import Foundation
import Linalg
import HTTPServer
import MNIST
import GantryAPI

extension ServiceConfig {
    /// Reads `path` (if given) over the defaults, then applies `GANTRY_*` variables
    /// from `environment`. Errors name the file and the key.
    public static func load(path: String?, environment: [String: String]) throws -> ServiceConfig {
        // systemd's state folder is the default a file's `state_dir` overrides; it may
        // pass several, colon-separated, and the first is ours.
        var config = ServiceConfig()
        if let systemdState = environment["STATE_DIRECTORY"], let first = systemdState.split(separator: ":").first {
            config.stateDirectory = String(first)
        }
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(file: path, key: "", message: Self.unreadable(path))
            }
            do {
                let document = try JSONValue.parse(Array(data))
                let decoder = JSONValueDecoder(convertsSnakeCaseKeys: true, userInfo: [.serviceDefaults: config])
                config = try decoder.decode(ServiceConfig.self, from: document)
            } catch let error as JSONValue.SyntaxError {
                throw ConfigError(file: path, key: "", message: "not valid JSON (\(error))")
            } catch let error as DecodingError {
                throw ConfigError(file: path, key: error.keyPath, message: error.readableMessage)
            }
        }
        try config.apply(environment: environment)
        do { try config.validate() } catch var error as ConfigError {
            error.file = path
            throw error
        }
        return config
    }

    /// Why `path` could not be read, in the system's words ("No such file or directory").
    static func unreadable(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor < 0 else {
            close(descriptor)
            return "cannot read the file"
        }
        let reason = String(cString: strerror(errno))
        return errno == ENOENT ? "no such file (\(reason))" : "cannot read the file (\(reason))"
    }

    mutating func apply(environment: [String: String]) throws {
        func value(_ name: String) -> String? {
            guard let v = environment[name], !v.isEmpty else { return nil }
            return v
        }
        if let v = value("GANTRY_HOST") { listen.host = v }
        if let v = value("GANTRY_PORT") {
            guard let port = UInt16(v) else { throw ConfigError(key: "GANTRY_PORT", message: "\(v) is not a port number (0–65535)") }
            listen.port = port
        }
        if let v = value("GANTRY_STATE_DIR") { stateDirectory = v }
        if let v = value("GANTRY_AUTH_TOKEN_FILE") { authTokenFile = v }
        if let v = value("GANTRY_BLAS_THREADS") {
            guard let setting = LaneCountSetting(v) else {
                throw ConfigError(key: "GANTRY_BLAS_THREADS", message: "\(v) is neither \"auto\" nor a whole number between 1 and 64")
            }
            lanes = setting
        }
        if let v = value("GANTRY_BLAS_CORE") {
            guard let setting = BLASCoreChoice.Setting(v) else {
                throw ConfigError(key: "GANTRY_BLAS_CORE", message: "\(v) is neither \(BLASCoreChoice.Setting.help)")
            }
            blasCore = setting
        }
        if let v = value("GANTRY_STORE_URL") { store = .postgres(url: v) }
        if let v = value("GANTRY_NODE") { node = v }
        if let v = value("GANTRY_CONCURRENT_JOBS") {
            guard let n = Int(v) else { throw ConfigError(key: "GANTRY_CONCURRENT_JOBS", message: "\(v) is not a whole number") }
            concurrentJobs = n
        }
    }
}
