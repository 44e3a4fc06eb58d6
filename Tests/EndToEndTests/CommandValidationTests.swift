import Foundation
import GantryTestSupport
import Testing

/// Bad command lines and files refused by the real binary at once, with the message
/// and usage of the command that was given.
@Suite("command-line validation")
struct CommandValidationTests {
    /// Runs `gantry ARGUMENTS` to completion (bounded) in `folder`'s logs.
    func gantry(_ arguments: [String], in folder: URL, label: String, timeout: Double = 60) throws -> (exit: Exit, output: String) {
        let child = try Child(label: label, executable: Paths.gantry, arguments: arguments, environment: [:], logDirectory: folder)
        guard let exit = child.waitForExit(timeout: timeout) else {
            child.killNow()
            throw ChildError("gantry \(arguments.joined(separator: " ")) still running after \(timeout) s:\n\(child.stderrTail())")
        }
        return (exit, child.stdout + child.stderr)
    }

    /// `serve --check-config` refuses the token files `serve` refuses, with the same
    /// message; a good one passes both.
    @Test("--check-config refuses a missing, blank or short token file as serve does")
    func tokenFiles() throws {
        let folder = Paths.temporaryDirectory("token-files")
        defer { try? FileManager.default.removeItem(at: folder) }
        func config(token: String, name: String) throws -> String {
            let path = folder.appendingPathComponent("\(name).json").path
            let json: [String: Any] = ["state_dir": folder.appendingPathComponent("state-\(name)").path, "auth_token_file": token]
            try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
            return path
        }
        let missing = folder.appendingPathComponent("missing.token").path
        let blank = folder.appendingPathComponent("blank.token"), short = folder.appendingPathComponent("short.token")
        try Data(" \n\t\n".utf8).write(to: blank)
        try Data("abc123\n".utf8).write(to: short)
        for (name, token) in [("missing", missing), ("blank", blank.path), ("short", short.path)] {
            let file = try config(token: token, name: name)
            let check = try gantry(["serve", "--config", file, "--check-config"], in: folder, label: "check-\(name)")
            let serve = try gantry(["serve", "--config", file, "--port", "0"], in: folder, label: "serve-\(name)")
            #expect(serve.exit != .exited(0), "serve accepted the \(name) token file: \(serve.output)")
            #expect(check.exit != .exited(0), "--check-config accepted the \(name) token file: \(check.output)")
            let message = { (output: String) in output.split(separator: "\n").first { $0.contains("auth_token_file") }.map(String.init) }
            #expect(message(serve.output)?.contains(token) == true, "serve should name the token file: \(serve.output)")
            #expect(message(check.output) == message(serve.output), "check: \(check.output)\nserve: \(serve.output)")
        }
        let good = folder.appendingPathComponent("good.token")
        try Data("0123456789abcdef0123\n".utf8).write(to: good)
        let check = try gantry(["serve", "--config", try config(token: good.path, name: "good"), "--check-config"], in: folder, label: "check-good")
        #expect(check.exit == .exited(0) && check.output.contains("configuration OK"), "\(check.output)")
    }

    @Test("train --resume with no checkpoint in the folder fails and trains nothing")
    func resumeWithoutCheckpoint() throws {
        let folder = Paths.temporaryDirectory("resume-nothing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoints = folder.appendingPathComponent("checkpoints")
        let (exit, output) = try gantry(["train", "--data", Paths.mnist5k.path, "--checkpoint-dir", checkpoints.path, "--resume",
                                         "--epochs", "1", "--g-hidden", "8", "--d-hidden", "8", "--blas-threads", "1"],
                                        in: folder, label: "resume")
        #expect(exit != .exited(0), "--resume without a checkpoint trained: \(output)")
        #expect(output.contains("--resume") && output.contains(checkpoints.appendingPathComponent("checkpoint.gantry").path),
                "the message should name --resume and the missing checkpoint: \(output)")
        #expect(!output.contains("Epoch 1/"), "it trained: \(output)")
        #expect(!FileManager.default.fileExists(atPath: checkpoints.appendingPathComponent("checkpoint.gantry").path))
    }

    @Test("a bad model flag shows the subcommand's usage, not the top level's", arguments: [
        ["train", "--epochs", "0"], ["train", "--batch-size", "0"], ["train", "--alpha", "2"], ["bench", "--batch-size", "0"],
    ])
    func badModelFlags(_ arguments: [String]) throws {
        let folder = Paths.temporaryDirectory("bad-flags")
        defer { try? FileManager.default.removeItem(at: folder) }
        let command = arguments[0]
        let extra = command == "train" ? ["--data", Paths.mnist5k.path, "--checkpoint-dir", folder.appendingPathComponent("c").path] : []
        let (exit, output) = try gantry(arguments + extra, in: folder, label: "flags")
        #expect(exit == .exited(64), "gantry \(arguments.joined(separator: " ")): \(exit)\n\(output)")
        let flag = arguments[1].dropFirst(2).replacingOccurrences(of: "-", with: "_")
        #expect(output.contains(flag), "the message should name \(flag): \(output)")
        #expect(output.contains("Usage: gantry \(command) "), "\(command)'s usage should follow: \(output)")
        #expect(!output.contains("Usage: gantry <subcommand>"), "the top-level usage is shown: \(output)")
    }
}
