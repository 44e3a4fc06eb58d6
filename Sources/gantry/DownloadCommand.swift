import ArgumentParser
import Foundation
import GantryService
import MNIST

/// `gantry download NAME`: fetch a configured dataset into the cache, verify
/// it, decode it once to be sure it is usable, and print where it is.
struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Fetch a configured dataset into the cache and print where it is.",
        discussion: """
            NAME is a key of the config's "datasets" (built in: mnist, fashion-mnist). Mirrors are \
            tried in order; files already in the cache and verified are not fetched again. The config \
            and state folder are resolved exactly as `gantry serve` resolves them, so both use one \
            cache: STATE_DIR/datasets/NAME.

            With --from FOLDER nothing is fetched over the network: the files are copied from FOLDER \
            (as published, e.g. train-images-idx3-ubyte.gz) and pass the same size and SHA-256 checks, \
            for a machine that cannot reach the mirrors.
            """
    )

    @Argument(help: "The dataset to fetch, as named in the config.") var name: String
    @Option(name: .customLong("from"), help: ArgumentHelp("Import the files from this local folder instead of the mirrors.", valueName: "folder"))
    var folder: String?
    @OptionGroup var options: ConfigOptions

    func run() throws {
        let settings = try options.load()
        let cache = DatasetCache(stateDirectory: settings.stateDirectory, datasets: settings.datasets,
                                 downloader: Downloader(options: settings.download))
        let printer = DownloadPrinter(interactive: isatty(STDOUT_FILENO) == 1)
        let started = Date()
        let report: Downloader.Report
        do {
            report = try folder.map { try cache.importFiles(name, from: $0, events: printer.show) }
                ?? cache.prepare(name, events: printer.show)
            printer.finish()
        } catch let error as DatasetImportError {
            printer.finish()
            throw CommandFailure("\(name): \(error)")
        }
        let train = try cache.load(name, split: .train)
        let test = try cache.load(name, split: .test)
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        let verb = folder == nil ? "fetched" : "imported"
        let fetched = report.downloadedFiles.isEmpty ? "all files were already in the cache" : "\(verb) \(report.downloadedFiles.count) file(s)"
        DownloadPrinter.write("\(name): \(train.images.count) training and \(test.images.count) test images, \(fetched) (\(seconds) s)\n")
        DownloadPrinter.write((report.directory as NSString).standardizingPath + "\n")
    }
}

/// Shows download events: a redrawn progress bar on a terminal, plain lines
/// (one per file event, and every 10%) when stdout is a pipe or a log.
final class DownloadPrinter: @unchecked Sendable {
    // @unchecked: the mutable fields below `lock` are only touched under it (events
    // arrive on the downloading thread).
    private let interactive: Bool
    private let lock = NSLock()
    private var lastTenth = -1
    private var barShown = false

    init(interactive: Bool) { self.interactive = interactive }

    var show: @Sendable (DownloadEvent) -> Void { { [self] event in handle(event) } }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        clearBar()
    }

    private func handle(_ event: DownloadEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .progress(let progress):
            if interactive {
                let line = Self.bar(progress)
                DownloadPrinter.write("\r" + line + "\u{1B}[K")
                barShown = true
            } else {
                let tenth = Int(progress.fraction * 10)
                if tenth > lastTenth && tenth > 0 {
                    lastTenth = tenth
                    line("\(tenth * 10)% of the dataset (\(Self.megabytes(progress.datasetBytes)) of \(Self.megabytes(progress.datasetSize)))")
                }
            }
        case .verified(let file):
            line("\(file): already in the cache, verified")
        case .started(let file, let url, let attempt, let offset):
            line("\(file): \(url.hasPrefix("file:") ? "copying" : "fetching") \(url)" + (attempt > 1 ? " (attempt \(attempt))" : "") + (offset > 0 ? ", resuming at byte \(offset)" : ""))
        case .failed(let file, let url, let problem):
            line("\(file): \(url) failed: \(problem)")
        case .retrying(let file, _, let delay):
            line("\(file): retrying in \(String(format: "%.1f", delay)) s")
        case .downloaded(let file, let url):
            line("\(file): \(url.hasPrefix("file:") ? "copied" : "downloaded") and verified")
        }
    }

    /// A plain line, first clearing a half-drawn bar so the two do not mix.
    private func line(_ text: String) {
        clearBar()
        DownloadPrinter.write(text + "\n")
    }

    private func clearBar() {
        if barShown {
            DownloadPrinter.write("\r\u{1B}[K")
            barShown = false
        }
    }

    /// Unbuffered, so bar redraws and lines reach the terminal in order.
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func bar(_ progress: DownloadProgress, width: Int = 30) -> String {
        let filled = Int(progress.fraction * Double(width))
        let percent = String(format: "%3d%%", Int(progress.fraction * 100))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + "\(percent)  \(megabytes(progress.datasetBytes)) / \(megabytes(progress.datasetSize))  \(progress.file)"
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
}
