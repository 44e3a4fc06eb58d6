import Foundation
import GantryTestSupport
import Testing

/// `gantry export` through the real binary, checked the way a user would: onnxruntime
/// runs the ONNX file on noise drawn as Gantry documents it (xoshiro256** seeded by
/// splitmix64, uniform in [-1, 1), reimplemented in the script), and its images,
/// quantised as Gantry quantises, give `gantry sample`'s PGM bytes for the same seed.
@Suite("gantry export", .needs("onnx and onnxruntime (scripts/setup)", FileManager.default.isExecutableFile(atPath: PythonReference.exportPython)))
struct ExportCommandTests {
    func gantry(_ arguments: [String], in folder: URL, label: String, timeout: Double = 300) throws -> String {
        let child = try Child(label: label, executable: Paths.gantry, arguments: arguments, environment: [:], logDirectory: folder)
        guard let exit = child.waitForExit(timeout: timeout) else {
            child.killNow()
            throw ChildError("gantry \(arguments.joined(separator: " ")) still running after \(timeout) s:\n\(child.stderrTail())")
        }
        try #require(exit == .exited(0), "gantry \(arguments.joined(separator: " ")): \(child.stderrTail())")
        return child.stdout
    }

    static let script = """
        import sys
        import numpy as np, onnx, onnxruntime
        d, seed, count = sys.argv[1], int(open(sys.argv[1] + "/seed.txt").read()), 64
        M = (1 << 64) - 1
        def splitmix(s):
            out = []
            for _ in range(4):
                s = (s + 0x9E3779B97F4A7C15) & M
                z = s
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
                out.append(z ^ (z >> 31))
            return out
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
        s = splitmix(seed)
        def draw():
            r = (rotl((s[1] * 5) & M, 7) * 9) & M
            t = (s[1] << 17) & M
            s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
            return r
        model = onnx.load(d + "/generator.onnx")
        onnx.checker.check_model(model, full_check=True)
        z_size = model.graph.input[0].type.tensor_type.shape.dim[1].dim_value
        scale = np.float32(2.0 / 16777216.0)
        values = []
        while len(values) < count * z_size:
            bits = draw()
            values += [np.float32(bits >> 40) * scale - np.float32(1), np.float32((bits >> 16) & 0xFFFFFF) * scale - np.float32(1)]
        z = np.array(values[:count * z_size], dtype=np.float32).reshape(count, z_size)
        feeds = {"z": z}
        if len(model.graph.input) == 2:
            feeds["digit"] = np.arange(count, dtype=np.int64) % 10
        image = onnxruntime.InferenceSession(d + "/generator.onnx", providers=["CPUExecutionProvider"]).run(["image"], feeds)[0]
        v = (image.reshape(count, 28, 28) + np.float32(1)) / np.float32(2) * np.float32(255)
        mine = np.clip(np.floor(v + np.float32(0.5)), 0, 255).astype(np.int64)
        raw = open(d + "/sample.pgm", "rb").read()
        grid = np.frombuffer(raw[-count * 784:], np.uint8).reshape(8, 28, 8, 28).transpose(0, 2, 1, 3).reshape(count, 28, 28)
        differ = mine != grid
        # A float within onnxruntime's rounding (1e-5 before the ·127.5) of a byte's boundary may round either way.
        boundary = np.abs(v - np.floor(v) - np.float32(0.5)) < 2e-3
        print(int(differ.sum()), int((np.abs(mine - grid) > 1).sum()), int((differ & ~boundary).sum()), float(np.abs(image).max()), float(image.std()))
        """

    @Test("onnxruntime on Gantry's noise draws gantry sample's bytes", arguments: ["notebook", "dcgan conditional"])
    func onnxDrawsTheSampledBytes(model: String) throws {
        let folder = Paths.temporaryDirectory("export-\(model.replacingOccurrences(of: " ", with: "-"))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint: String
        if model == "notebook" {
            checkpoint = Paths.repository.appendingPathComponent("fixtures/checkpoint-v1/notebook-2-epochs.gantry").path
        } else {
            let dir = folder.appendingPathComponent("train").path
            _ = try gantry(["train", "--data", Paths.mnist5k.path, "--model", "dcgan", "--conditional", "--g-channels", "8", "--d-channels", "4",
                            "--epochs", "2", "--images", "400", "--seed", "3", "--blas-threads", "1", "--checkpoint-dir", dir], in: folder, label: "train")
            checkpoint = dir + "/checkpoint.gantry"
        }
        let python = try PythonReference("export-cli", python: PythonReference.exportPython)
        defer { python.remove() }
        let onnx = python.folder.appendingPathComponent("generator.onnx").path
        _ = try gantry(["export", "--checkpoint", checkpoint, "--format", "onnx", "--output", onnx], in: folder, label: "export")
        _ = try gantry(["sample", "--checkpoint", checkpoint, "--count", "64", "--columns", "8", "--pad", "0", "--seed", "11",
                        "--output", python.folder.appendingPathComponent("sample.pgm").path], in: folder, label: "sample")
        try python.write("seed", text: "11")
        let (status, output) = try python.run(Self.script)
        #expect(status == 0, "the reference readers failed: \(output)")
        let numbers = PythonReference.numbers(output)
        try #require(numbers.count == 5, "\(output)")
        #expect(numbers[1] == 0 && numbers[2] == 0, "\(Int(numbers[0])) bytes of 50,176 differ, \(Int(numbers[2])) of them away from a rounding boundary")
        #expect(numbers[0] <= 50, "\(Int(numbers[0])) bytes differ")
        // Young models draw grey, but not one flat image: the comparison has pixels to compare.
        #expect(numbers[3] <= 1.000_01 && numbers[4] > 0.01, "images in [-1, 1] that vary: max |x| \(numbers[3]), sd \(numbers[4])")
    }

    /// The same check through the daemon: the export route's ONNX file, run by onnxruntime on
    /// Gantry's noise, draws the samples route's bytes; its safetensors file is what
    /// `gantry export` makes of the checkpoint route's download.
    @Test("GET /v1/jobs/ID/export: onnxruntime draws the samples route's bytes; safetensors is the checkpoint's export")
    func theExportRouteServesTheSampledGenerator() throws {
        try Fixture.with("export-route") { f in
            let tokenFile = f.root.appendingPathComponent("token")
            let token = "export-Token_0123456789"
            try Data(token.utf8).write(to: tokenFile)
            try f.start(["auth_token_file": tokenFile.path])
            let api = API(port: f.port, token: token)
            let job = try api.createJob(["epochs": 2, "g_hidden": 32, "d_hidden": 16, "samples_per_epoch": 1, "seed": 4, "eval_every": 0])
            #expect(try api.waitForStatus(job.id, ["completed", "failed"], timeout: 120).status == "completed")
            let python = try PythonReference("export-route", python: PythonReference.exportPython)
            defer { python.remove() }

            let onnx = try api.get("/v1/jobs/\(job.id)/export?format=onnx", timeout: 60)
            try #require(onnx.status == 200, "\(onnx)")
            #expect(onnx.header("Content-Disposition") == "attachment; filename=\"\(job.id)-epoch2.onnx\"" && onnx.header("Gantry-Epoch") == "2")
            try Data(onnx.body).write(to: python.folder.appendingPathComponent("generator.onnx"))
            let samples = try api.get("/v1/jobs/\(job.id)/samples?count=64&columns=8&pad=0&seed=11&epoch=latest", timeout: 60)
            try #require(samples.status == 200, "\(samples)")
            try Data(samples.body).write(to: python.folder.appendingPathComponent("sample.pgm"))
            try python.write("seed", text: "11")
            let (status, output) = try python.run(Self.script)
            #expect(status == 0, "the reference readers failed: \(output)")
            let numbers = PythonReference.numbers(output)
            try #require(numbers.count == 5, "\(output)")
            #expect(numbers[1] == 0 && numbers[2] == 0, "\(Int(numbers[0])) bytes of 50,176 differ, \(Int(numbers[2])) of them away from a rounding boundary")
            #expect(numbers[3] <= 1.000_01 && numbers[4] > 0.01, "images in [-1, 1] that vary: max |x| \(numbers[3]), sd \(numbers[4])")

            let safetensors = try api.get("/v1/jobs/\(job.id)/export?format=safetensors", timeout: 60)
            try #require(safetensors.status == 200, "\(safetensors)")
            let checkpoint = try api.get("/v1/jobs/\(job.id)/checkpoint", timeout: 60)
            try #require(checkpoint.status == 200, "\(checkpoint)")
            let downloaded = f.root.appendingPathComponent("downloaded.gantry")
            try Data(checkpoint.body).write(to: downloaded)
            let exported = f.root.appendingPathComponent("exported.safetensors")
            _ = try gantry(["export", "--checkpoint", downloaded.path, "--format", "safetensors", "--output", exported.path], in: f.root, label: "export")
            #expect(try [UInt8](Data(contentsOf: exported)) == safetensors.body, "the route's safetensors file is not gantry export's of the same generator")

            // What cannot be exported says why, in the document's codes.
            let unknown = try api.get("/v1/jobs/\(job.id)/export?format=tflite")
            #expect(unknown.status == 400 && unknown.errorCode == "invalid_parameter" && (unknown.errorMessage ?? "").contains("onnx or safetensors"), "\(unknown)")
            let notKept = try api.get("/v1/jobs/\(job.id)/export?format=onnx&epoch=1")
            #expect(notKept.status == 404 && notKept.errorCode == "generator_not_kept", "\(notKept)")
            let noJob = try api.get("/v1/jobs/nosuchjob/export?format=onnx")
            #expect(noJob.status == 404 && noJob.errorCode == "not_found", "\(noJob)")
            let typo = try api.get("/v1/jobs/\(job.id)/export?fromat=onnx")
            #expect(typo.status == 400 && typo.errorCode == "unknown_parameter", "\(typo)")
            let open = try API(port: f.port).get("/v1/jobs/\(job.id)/export?format=onnx")
            #expect(open.status == 401, "an export without the token: \(open)")
        }
    }
}
