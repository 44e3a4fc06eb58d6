import Foundation
import Testing
@testable import GantryAPI

/// The strict JSON reader against RFC 8259's grammar, with Python's `json` module as
/// the outside opinion on what is and is not JSON (its `strict` parser refuses the same
/// documents, except the duplicate keys that RFC 8259 leaves open and we refuse).
@Suite struct JSONValueTests {
    @Test(arguments: [
        #"{"epochs":1,}"#, #"{"epochs":1"#, #"[1,]"#, #"{,}"#, #"{"a" 1}"#, #"{'a':1}"#, #"{"a":01}"#, #"{"a":-}"#,
        #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":1e}"#, #"{"a":+1}"#, #"{"a":NaN}"#, #"{"a":Infinity}"#, #"{"a":tru}"#,
        "{\"a\":\"tab\there\"}", #"{"a":"\x"}"#, #"{"a":"\ud800"}"#, #"{"a":1} x"#, #"{"a":1}{"#, "", " ", #"{"a":1,"a":2}"#,
        "{\"a\":1 /* c */}", "\u{FEFF}{}",
    ])
    func refusesWhatIsNotJSON(text: String) {
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func readsWhatIs() throws {
        let text = #" { "s": "a\"b\\c\/d\n\u00e9\ud83d\ude00", "n": [0, -0, 12, -3.5e+2, 1E-400], "t": true, "f": false, "z": null, "o": {} } "#
        let value = try JSONValue.parse(Array(text.utf8))
        #expect(value == .object([
            "s": .string("a\"b\\c/d\né😀"),
            "n": .array([.number("0"), .number("-0"), .number("12"), .number("-3.5e+2"), .number("1E-400")]),
            "t": .bool(true), "f": .bool(false), "z": .null, "o": .object([:]),
        ]))
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? JSONValue.parse(Array(fine.utf8))) != nil)
    }

    /// Python's json module agrees on every case above (run when python3 is present).
    @Test func pythonAgrees() throws {
        let script = """
            import json, sys
            def strict(text):
                def pairs(items):
                    keys = [k for k, _ in items]
                    if len(keys) != len(set(keys)): raise ValueError("duplicate")
                    return dict(items)
                def constant(name): raise ValueError(name)
                json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
            for line in sys.stdin.read().split("\\u0000"):
                try: strict(line); print("ok")
                except Exception: print("bad")
            """
        let cases = [#"{"epochs":1,}"#, #"{"a":01}"#, #"{"a":1,"a":2}"#, #"{"a":NaN}"#, #"{"a":1.}"#, #"{"s":"\u00e9"}"#, #"[1, 2.5e-3, null]"#]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(cases.joined(separator: "\u{0}").utf8))
        try input.fileHandleForWriting.close()
        let answers = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        process.waitUntilExit()
        let ours = cases.map { (try? JSONValue.parse(Array($0.utf8))) == nil ? "bad" : "ok" }
        #expect(answers == ours, "python \(answers), ours \(ours)")
    }
}
