import HTTPServer

/// The API's OpenAPI 3.1 document (docs/openapi.json, compiled in), served without a
/// token like `/healthz`, with an `ETag` so a client generator or gateway revalidates
/// cheaply.
enum OpenAPIDocument {
    static let path = "/v1/openapi.json"

    static let asset = DashboardAsset(path: path, contentType: "application/json", bytes: PackageResources.openapi_json)

    static func register(on router: inout Router, counting count: @escaping @Sendable (Int) -> Void) {
        router.get(path) { request in
            let response = asset.response(to: request)
            count(response.status.code)
            return response
        }
    }
}
