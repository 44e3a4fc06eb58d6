import GAN
import HTTPServer
import ModelExport
import GantryJobs

/// The generator in a format other tools read (docs/export.md): ONNX for ONNX Runtime,
/// safetensors for PyTorch's `load_state_dict`.
extension ImagesAPI {
    enum ExportFormat: String, CaseIterable {
        case onnx, safetensors

        func encode(_ generator: ExportedGenerator) -> [UInt8] {
            switch self {
            case .onnx: ONNXExport.model(generator)
            case .safetensors: SafetensorsExport.file(generator)
            }
        }
    }

    /// The generator of the epoch the `epoch` query names (as for samples), in the
    /// `format` the query names; there is no default, so a script says what it gets.
    func export(_ request: HTTPRequest, job: Job) throws -> HTTPResponse {
        let formats = ExportFormat.allCases.map(\.rawValue).joined(separator: " or ")
        guard let text = request.query("format") else {
            throw APIError(.badRequest, .invalidParameter, "format is required: \(formats)")
        }
        guard let format = ExportFormat(rawValue: text) else {
            throw APIError(.badRequest, .invalidParameter, "format must be \(formats), not \(text)")
        }
        let trainer = try trainer(request, job: job)
        let epoch = trainer.epochsCompleted
        // No BLAS call (folding BatchNorm is a loop over channels), so not under the gate.
        let body = try downloads.body(for: "\(job.id)/\(epoch)/\(format.rawValue)") { format.encode(ExportedGenerator(trainer)) }
        return HTTPResponse(status: .ok, headers: [
            // Neither format has a registered media type: opaque bytes, named by extension.
            "Content-Type": "application/octet-stream",
            "Content-Disposition": "attachment; filename=\"\(job.id)-epoch\(epoch).\(format.rawValue)\"",
            "Gantry-Epoch": String(epoch),
        ], body: body.bytes, bodyOwner: body)
    }
}
