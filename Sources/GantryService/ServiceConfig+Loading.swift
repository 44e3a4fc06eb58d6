import Foundation
import Linalg
import HTTPServer
import MNIST

extension ServiceConfig {
    /// Reads `path` (if given) over the defaults, then applies `GANTRY_*` variables
    /// from `environment`. Errors name the file and the key.
    public static func load(path: String?, environment: [String: String]) throws -> ServiceConfig {
        var config = ServiceConfig()
        if let systemdState = environment["STATE_DIRECTORY"], !systemdState.isEmpty {
            // systemd may pass several, colon-separated; the first is ours.
            config.stateDirectory = String(systemdState.split(separator: ":").first ?? "")
        }
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(file: path, key: "", message: Self.unreadable(path))
            }
            do {
                try config.apply(json: data)
            } catch let error as ConfigError {
                throw ConfigError(file: path, key: error.key, message: error.message)
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

    mutating func apply(json data: Data) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ConfigError(key: "", message: "not valid JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw ConfigError(key: "", message: "the top level must be an object") }
        for key in root.keys where !Self.keys.contains(key) {
            throw ConfigError(key: key, message: "unknown key; the known keys are \(Self.keys.joined(separator: ", "))")
        }
        func sub<T: Decodable>(_ key: String, _ type: T.Type) throws -> T? {
            guard let value = root[key], !(value is NSNull) else { return nil }
            let bytes = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
            do { return try JSONDecoder().decode(T.self, from: bytes) } catch let error as DecodingError {
                let inner = error.keyPath
                throw ConfigError(key: inner.isEmpty ? key : "\(key).\(inner)", message: error.readableMessage)
            }
        }
        if let listen = root["listen"] {
            guard let listen = listen as? [String: Any] else { throw ConfigError(key: "listen", message: "must be an object with host and port") }
            for key in listen.keys where !["host", "port"].contains(key) {
                throw ConfigError(key: "listen.\(key)", message: "unknown key; the known keys are host, port")
            }
            if let host = try sub("listen", ListenJSON.self)?.host { self.listen.host = host }
            if let port = try sub("listen", ListenJSON.self)?.port { self.listen.port = port }
        }
        if let v = try sub("state_dir", String.self) { stateDirectory = v }
        if root.keys.contains("auth_token_file") { authTokenFile = try sub("auth_token_file", String.self) }
        if let v = try sub("max_queued_jobs", Int.self) { maxQueuedJobs = v }
        if let v = try sub("concurrent_jobs", Int.self) { concurrentJobs = v }
        if let v = try sub("blas_threads", BLASThreadSetting.self) { blasThreads = v }
        if let v = try sub("blas_core", String.self) { blasCore = try Self.blasCore(v, key: "blas_core") }
        if let v = try sub("memory_budget_bytes", Int.self) { memoryBudgetBytes = v }
        if let v = try limitsObject(root["limits"]) { limits = v }
        if let v = try sub("download", DownloadOptions.self) { download = v }
        if let v = try sub("datasets", [String: DatasetSpec].self) { datasets = v }
    }

    /// `limits` in the file is snake_case like every other key; the server's type is camelCase.
    private func limitsObject(_ value: Any?) throws -> HTTPServer.Limits? {
        guard let value, !(value is NSNull) else { return nil }
        guard let object = value as? [String: Any] else { throw ConfigError(key: "limits", message: "must be an object") }
        let known = ["max_request_line_bytes", "max_header_bytes", "max_header_count", "max_body_bytes", "max_connections",
                     "head_timeout_seconds", "idle_timeout_seconds", "body_timeout_seconds", "write_timeout_seconds",
                     "max_output_buffer_bytes", "linger_seconds"]
        var camel: [String: Any] = [:]
        for (key, v) in object {
            guard known.contains(key) else {
                throw ConfigError(key: "limits.\(key)", message: "unknown key; the known keys are \(known.joined(separator: ", "))")
            }
            let parts = key.split(separator: "_")
            camel[String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()] = v
        }
        do {
            return try JSONDecoder().decode(HTTPServer.Limits.self, from: JSONSerialization.data(withJSONObject: camel))
        } catch let error as DecodingError {
            throw ConfigError(key: "limits", message: error.readableMessage)
        }
    }

    /// `blas_core` from the file or the environment; the error names where it came from.
    private static func blasCore(_ text: String, key: String) throws -> BLASCoreChoice.Setting {
        guard let setting = BLASCoreChoice.Setting(text) else { throw ConfigError(key: key, message: "\(text) is neither \(BLASCoreChoice.Setting.help)") }
        return setting
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
            guard let setting = BLASThreadSetting(v) else {
                throw ConfigError(key: "GANTRY_BLAS_THREADS", message: "\(v) is neither \"auto\" nor a whole number between 1 and 64")
            }
            blasThreads = setting
        }
        if let v = value("GANTRY_BLAS_CORE") { blasCore = try Self.blasCore(v, key: "GANTRY_BLAS_CORE") }
        if let v = value("GANTRY_CONCURRENT_JOBS") {
            guard let n = Int(v) else { throw ConfigError(key: "GANTRY_CONCURRENT_JOBS", message: "\(v) is not a whole number") }
            concurrentJobs = n
        }
    }
}

private struct ListenJSON: Decodable {
    var host: String?
    var port: UInt16?
}

extension DecodingError {
    /// The dotted path of the key a decoding error is about.
    var keyPath: String {
        let path: [any CodingKey]
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        case .keyNotFound(let key, let c): path = c.codingPath + [key]
        @unknown default: path = []
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    var readableMessage: String {
        switch self {
        case .typeMismatch(let type, _): "has the wrong type (expected \(type))"
        case .valueNotFound(let type, _): "is missing a value (expected \(type))"
        case .keyNotFound(let key, _): "is required (\(key.stringValue))"
        case .dataCorrupted(let c): c.debugDescription
        @unknown default: "is invalid"
        }
    }
}
