import Foundation
import HTTPServer

/// The API's OpenAPI 3.1 document (docs/openapi.json, compiled in), served without a
/// token like `/healthz`, with an `ETag` so a client generator or gateway revalidates
/// cheaply.
///
/// The document describes a daemon with `auth_token_file` set. A daemon without one
/// serves it with no operation requiring the token, so the document says what this
/// daemon does: a client, or a fuzzer, learns from it that no token is needed here.
enum OpenAPIDocument {
    static let path = "/v1/openapi.json"

    /// docs/openapi.json as it is.
    static let withToken = DashboardAsset(path: path, contentType: "application/json", bytes: PackageResources.openapi_json)

    /// The document with every `security` requirement emptied and the 401 answers gone.
    static let withoutToken = DashboardAsset(path: path, contentType: "application/json", bytes: openVariant(of: PackageResources.openapi_json))

    static func register(on router: inout Router, tokenRequired: Bool) {
        (tokenRequired ? withToken : withoutToken).register(on: &router)
    }

    static func openVariant(of bytes: [UInt8]) -> [UInt8] {
        guard var document = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any],
              var paths = document["paths"] as? [String: [String: Any]] else {
            preconditionFailure("the compiled-in OpenAPI document is not a JSON object with paths")
        }
        document["security"] = [Any]()
        for (path, item) in paths {
            var item = item
            for (method, value) in item {
                guard var operation = value as? [String: Any], operation["security"] != nil else { continue }
                operation["security"] = [Any]()
                if var responses = operation["responses"] as? [String: Any] {
                    responses["401"] = nil
                    operation["responses"] = responses
                }
                item[method] = operation
            }
            paths[path] = item
        }
        document["paths"] = paths
        var info = document["info"] as? [String: Any] ?? [:]
        info["description"] = "This daemon runs without `auth_token_file`: no route needs a token.\n\n" + (info["description"] as? String ?? "")
        document["info"] = info
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]) else {
            preconditionFailure("the OpenAPI document cannot be encoded")
        }
        return Array(data)
    }
}
