import Foundation
import GantryTestSupport
import Testing

/// The packages docs/systemd.md's container install includes are the ones the binary
/// needs at run time: every system library `gantry` links directly (its ELF `NEEDED`
/// entries, read by binutils' `readelf`) comes from a package Debian's package database
/// (`dpkg -S`) names, and that package is in the documented `--include` list or in
/// every minimal Debian (its C and C++ runtime).
@Suite struct RuntimePackagesTests {
    /// In every `debootstrap --variant=minbase` system: essential, or required by apt.
    static let minimalBase: Set<String> = ["libc6", "libstdc++6", "libgcc-s1"]

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw DeploymentTestError("\(tool) \(arguments) exited \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The `--include=` list of the documented debootstrap command.
    static func documentedPackages() throws -> Set<String> {
        let text = try String(contentsOf: Paths.repository.appendingPathComponent("docs/systemd.md"), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains("debootstrap") && $0.contains("--include=") })
        let list = try #require(line.split(separator: " ").first { $0.hasPrefix("--include=") })
        return Set(list.dropFirst("--include=".count).split(separator: ",").map(String.init))
    }

    @Test func theContainerInstallIncludesEveryLibraryTheBinaryLinks() throws {
        let readelf = Paths.tool("readelf"), dpkg = Paths.tool("dpkg"), ldconfig = Paths.tool("ldconfig")
        try requireResource("readelf, dpkg and ldconfig (binutils, a Debian system)", readelf != nil && dpkg != nil && ldconfig != nil)
        let needed = try Self.run(readelf!, ["-d", Paths.gantry]).split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        #expect(needed.contains("libpq.so.5") && needed.contains("libcurl.so.4"), "\(needed)")
        // Where the dynamic linker finds each system library; the Swift runtime's are the toolchain's.
        var systemPaths: [String: String] = [:]
        for line in try Self.run(ldconfig!, ["-p"]).split(separator: "\n") where line.contains("x86-64") || line.contains("x86_64") {
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            if let name = parts.first, let path = parts.last, systemPaths[String(name)] == nil { systemPaths[String(name)] = String(path) }
        }
        let documented = try Self.documentedPackages()
        var checked = 0
        for library in needed {
            guard let path = systemPaths[library] else { continue } // the Swift runtime, beside the toolchain
            // dpkg knows a file by the path its package installed: on a merged /usr, /lib/… rather
            // than /usr/lib/…, and through alternatives (OpenBLAS's) only the real file's.
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let candidates = [path, real, real.replacingOccurrences(of: "/usr/lib/", with: "/lib/")]
            let answer = candidates.lazy.compactMap { try? Self.run(dpkg!, ["-S", $0]) }.first
            let owner = try #require(answer, "dpkg knows none of \(candidates)").split(separator: ":").first.map(String.init) ?? ""
            #expect(documented.contains(owner) || Self.minimalBase.contains(owner),
                    "gantry links \(library) from \(owner), which docs/systemd.md's --include list lacks")
            checked += 1
        }
        #expect(checked >= 6, "only \(checked) system libraries found among \(needed)")
    }
}
