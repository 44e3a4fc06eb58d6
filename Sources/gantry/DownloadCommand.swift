import ArgumentParser

struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Fetch a configured dataset into the cache (not built yet)."
    )
    func run() throws {
        throw ValidationError("download is not implemented yet")
    }
}
