import Foundation
import Testing
@testable import MNIST

/// Downloads through libcurl from a real loopback HTTP server serving
/// the repository's `fixtures/mnist5k`, misbehaving as each test asks.
@Suite("Downloader and dataset cache")
struct DownloaderTests {
    let fileNames = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]

    @Test("happy path: all four files fetched and decoded; a second run transfers nothing")
    func happyPathThenCached() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let cache = DatasetCache(stateDirectory: state, datasets: ["mnist5k": try localSpec(baseURLs: [server.base("ok")])],
                                 downloader: Downloader(options: fastOptions))
        let log = EventLog()
        let train = try cache.load("mnist5k", split: .train, events: log.record)
        #expect(train.images.count == 4000 && train.labels.count == 4000)
        #expect(server.requests.count == 4)
        #expect(server.requests.allSatisfy { $0.status == 200 && $0.range == nil })
        for name in fileNames {
            #expect(FileStatus.isRegularFile(cache.directory(for: "mnist5k") + "/" + name))
            #expect(!FileStatus.isRegularFile(cache.directory(for: "mnist5k") + "/" + name + ".part"))
        }
        #expect(cache.directory(for: "mnist5k") == state + "/datasets/mnist5k")
        // Progress only grows and ends at the whole dataset.
        let fractions = log.events.compactMap { if case .progress(let p) = $0 { return p.fraction } else { return nil } }
        #expect(fractions == fractions.sorted() && fractions.last == 1)

        let second = try cache.prepare("mnist5k")
        #expect(second.downloadedFiles.isEmpty)
        #expect(second.outcomes.allSatisfy { $0.outcome == .verified })
        let test = try cache.load("mnist5k", split: .test)
        #expect(test.images.count == 1000)
        #expect(server.requests.count == 4, "a verified cache must not touch the network")
    }

    @Test("first mirror answers 404: the second mirror is used, and the 404 is not retried")
    func firstMirror404() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let spec = try localSpec(baseURLs: [server.base("notfound"), server.base("ok")])
        let report = try Downloader(options: fastOptions).fetch(spec, named: "m", into: state)
        #expect(report.outcomes.map(\.outcome) == fileNames.map { .downloaded(url: server.base("ok") + $0) })
        #expect(server.requests.filter { $0.status == 404 }.count == 4)
    }

    @Test("first mirror refuses the connection: retried with backoff, then the second mirror is used")
    func firstMirrorRefused() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let refusing = "http://127.0.0.1:\(try unusedPort())/"
        let log = EventLog()
        let spec = try localSpec(baseURLs: [refusing, server.base("ok")])
        let report = try Downloader(options: fastOptions).fetch(spec, named: "m", into: state, events: log.record)
        #expect(report.downloadedFiles == fileNames)
        let retries = log.events.filter { if case .retrying(_, let url, _) = $0 { return url.hasPrefix(refusing) } else { return false } }
        #expect(retries.count == 4, "one retry per file at the refusing mirror (2 attempts each)")
        let failures = log.events.compactMap { if case .failed(_, _, let problem) = $0 { return problem } else { return nil } }
        #expect(failures.allSatisfy { $0.contains("curl error 7") })
    }

    @Test("the server closes half-way: the transfer resumes with a Range request and verifies")
    func resumeAfterClose() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let spec = try localSpec(baseURLs: [server.base("closehalf")])
        let log = EventLog()
        let data = try Downloader(options: fastOptions).fetch(spec, named: "m", into: state, events: log.record)
        #expect(data.downloadedFiles == fileNames)
        let size = spec.files.trainImages.size
        let requests = server.requests(for: "train-images-idx3-ubyte.gz")
        #expect(requests == [
            .init(path: "/closehalf/train-images-idx3-ubyte.gz", range: nil, status: 200),
            .init(path: "/closehalf/train-images-idx3-ubyte.gz", range: "bytes=\(size / 2)-", status: 206),
        ])
        #expect(log.events.contains(.started(file: "train-images-idx3-ubyte.gz", url: server.base("closehalf") + "train-images-idx3-ubyte.gz",
                                             attempt: 2, resumingAt: size / 2)))
        // The two halves joined are the served file, byte for byte.
        #expect(try readBytes(state + "/train-images-idx3-ubyte.gz") == readBytes(TestPaths.mnist5k + "/train-images-idx3-ubyte.gz"))
        #expect(try MNISTFolder.load(directory: state, split: .train).images.count == 4000)
    }

    @Test("a server that ignores Range: the part file starts over and still verifies")
    func ignoredRange() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let spec = try localSpec(baseURLs: [server.base("ignorerange")])
        _ = try Downloader(options: fastOptions).fetch(spec, named: "m", into: state)
        let requests = server.requests(for: "train-images-idx3-ubyte.gz")
        #expect(requests.count == 2 && requests[1].range != nil && requests[1].status == 200)
        #expect(try MNISTFolder.load(directory: state, split: .train).labels.count == 4000)
    }

    @Test("wrong checksum on every mirror: error names file, URLs and both checksums; nothing left in the cache")
    func checksumMismatchEverywhere() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        var spec = try localSpec(baseURLs: [server.base("ok"), server.base("slow")])
        let actual = spec.files.trainLabels.sha256
        let wrong = String(repeating: "ab", count: 32)
        spec.files.trainLabels.sha256 = wrong
        let cache = DatasetCache(stateDirectory: state, datasets: ["m": spec], downloader: Downloader(options: fastOptions))
        let error = #expect(throws: DownloadError.self) { try cache.prepare("m") }
        let text = error?.description ?? ""
        #expect(error?.file == "train-labels-idx1-ubyte.gz")
        #expect(error?.urls == [server.base("ok") + "train-labels-idx1-ubyte.gz", server.base("slow") + "train-labels-idx1-ubyte.gz"])
        #expect(text.contains("could not download train-labels-idx1-ubyte.gz"))
        #expect(text.contains("expected sha256 \(wrong), received \(actual)"))
        for url in error?.urls ?? [] { #expect(text.contains(url)) }
        // A checksum mismatch is not retried at the same mirror: one request per mirror.
        #expect(server.requests(for: "train-labels-idx1-ubyte.gz").count == 2)
        let folder = cache.directory(for: "m")
        #expect(!FileStatus.isRegularFile(folder + "/train-labels-idx1-ubyte.gz"))
        #expect(!FileStatus.isRegularFile(folder + "/train-labels-idx1-ubyte.gz.part"))
    }

    @Test("a mirror serving a corrupted file: checksum error there, the next mirror delivers")
    func corruptMirror() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let log = EventLog()
        let spec = try localSpec(baseURLs: [server.base("corrupt"), server.base("ok")])
        let report = try Downloader(options: fastOptions).fetch(spec, named: "m", into: state, events: log.record)
        #expect(report.downloadedFiles == fileNames)
        let mismatches = log.events.filter { if case .failed(_, _, let p) = $0 { return p.contains("checksum mismatch") } else { return false } }
        #expect(mismatches.count == 4)
    }

    @Test("a server sending more bytes than the configured size is stopped at the cap", arguments: ["toomany", "toomanynolength"])
    func tooManyBytes(mode: String) throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let spec = try localSpec(baseURLs: [server.base(mode)])
        let error = #expect(throws: DownloadError.self) { try Downloader(options: fastOptions).fetch(spec, named: "m", into: state) }
        #expect(error?.file == "train-images-idx3-ubyte.gz")
        #expect(error?.description.contains("more than the expected \(spec.files.trainImages.size) bytes") == true, "\(error?.description ?? "")")
        #expect(server.requests.count == 1, "an oversized file is not retried at the same mirror")
        #expect(!FileStatus.isRegularFile(state + "/train-images-idx3-ubyte.gz.part"))
        #expect(!FileStatus.isRegularFile(state + "/train-images-idx3-ubyte.gz"))
    }

    @Test("a stalled server is aborted by the low-speed limit within its bound")
    func stall() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        var options = fastOptions
        options.attemptsPerMirror = 1
        let spec = try localSpec(baseURLs: [server.base("stall")])
        let started = Date()
        let error = #expect(throws: DownloadError.self) { try Downloader(options: options).fetch(spec, named: "m", into: state) }
        let elapsed = Date().timeIntervalSince(started)
        // Low-speed window is 1 s; libcurl checks it about once a second. Measured under
        // load: 1.20–1.37 s; the server would stall for 30 s.
        #expect(elapsed >= 0.9 && elapsed < 10, "aborted after \(elapsed) s")
        #expect(error?.description.contains("curl error 28") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("too slow") == true || error?.description.contains("Operation") == true)
    }

    @Test("ftp:// and gopher:// mirrors are refused before any transfer", arguments: ["ftp", "gopher"])
    func refusedSchemes(scheme: String) throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let spec = try localSpec(baseURLs: [server.base("ok"), "\(scheme)://127.0.0.1:\(server.port)/ok/"])
        let cache = DatasetCache(stateDirectory: state, datasets: ["m": spec], downloader: Downloader(options: fastOptions))
        let error = #expect(throws: DatasetConfigError.self) { try cache.prepare("m") }
        #expect(error?.description.contains("uses \(scheme)://; only http, https and file are allowed") == true)
        #expect(server.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cache.directory(for: "m")))
    }

    @Test("two concurrent loads of one dataset cause exactly one transfer per file")
    func singleFlight() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let cache = DatasetCache(stateDirectory: state, datasets: ["m": try localSpec(baseURLs: [server.base("ok")])],
                                 downloader: Downloader(options: fastOptions))
        let logs = [EventLog(), EventLog()]
        let results = ResultBox()
        let followerDone = DispatchSemaphore(value: 0)
        let joined = Flag()
        // The overlap is arranged, not hoped for: when the first load starts its first
        // transfer, it starts the second load and waits until that one has joined it.
        // (60 s only bounds a hang; the wait ends as soon as the second load joins.)
        let leaderEvents: @Sendable (DownloadEvent) -> Void = { event in
            logs[0].record(event)
            guard case .started = event, joined.setOnce() else { return }
            Thread.detachNewThread {
                results.set(1, Result { try cache.load("m", events: logs[1].record) })
                followerDone.signal()
            }
            let deadline = Date().addingTimeInterval(60)
            while cache.waiters(for: "m") < 1 && Date() < deadline { usleep(1_000) }
        }
        results.set(0, Result { try cache.load("m", events: leaderEvents) })
        #expect(followerDone.wait(timeout: .now() + 60) == .success, "the second load never finished")
        let loaded = try results.values.map { try $0.get() }
        #expect(loaded.count == 2 && loaded[0] == loaded[1] && loaded[0].images.count == 4000)
        for name in fileNames {
            #expect(server.requests(for: name).count == 1, "\(name) was requested \(server.requests(for: name).count) times")
        }
        // The second caller joined the first one's download (a caller arriving after it
        // would only see "verified") and heard every transfer of it.
        for log in logs {
            for name in fileNames {
                #expect(log.events.contains(.downloaded(file: name, url: server.base("ok") + name)), "\(name): \(log.events)")
            }
        }
    }

    @Test("two caches on one state folder (as two processes would be) are kept apart by the folder lock")
    func folderLock() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let spec = try localSpec(baseURLs: [server.base("slow")])
        // Separate instances share no single flight: only the flock on the folder serialises them.
        let caches = (0..<2).map { _ in DatasetCache(stateDirectory: state, datasets: ["m": spec], downloader: Downloader(options: fastOptions)) }
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            results.set(index, Result { try caches[index].load("m") })
        }
        #expect(try results.values.map { try $0.get().images.count } == [4000, 4000])
        #expect(server.requests.count == 4, "the second cache found the first one's verified files")
    }

    @Test("a file:// mirror works")
    func fileMirror() throws {
        let state = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(state) }
        let cache = DatasetCache(stateDirectory: state, datasets: ["m": try localSpec(baseURLs: ["file://" + TestPaths.mnist5k])],
                                 downloader: Downloader(options: fastOptions))
        let set = try cache.load("m", split: .test)
        #expect(set.images.count == 1000 && set.labels.count == 1000)
    }

    @Test("a file:// mirror holding a shorter file: one attempt, an error that names both sizes")
    func fileMirrorOfTheWrongSize() throws {
        let state = TestPaths.temporaryDirectory(), folder = TestPaths.temporaryDirectory()
        defer { TestPaths.remove(state); TestPaths.remove(folder) }
        for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: TestPaths.mnist5k + "/" + name))
            if name == "train-images-idx3-ubyte.gz" { bytes = bytes.prefix(bytes.count / 3) }
            try bytes.write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        let spec = try localSpec(baseURLs: ["file://" + folder + "/"])
        let expected = spec.files.trainImages.size
        let cache = DatasetCache(stateDirectory: state, datasets: ["m": spec], downloader: Downloader(options: fastOptions))
        let error = #expect(throws: DownloadError.self) { try cache.load("m", split: .train) }
        #expect(error?.attempts.count == 1, "\(error?.description ?? "")")
        #expect(error?.description.contains("the file holds \(expected / 3) bytes; the configuration expects \(expected)") == true,
                "\(error?.description ?? "")")
        #expect(!FileStatus.isRegularFile(cache.directory(for: "m") + "/train-images-idx3-ubyte.gz.part"))
    }

    @Test("up to 5 redirects are followed; a 6th, or one to file://, is refused")
    func redirects() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        var options = fastOptions
        options.attemptsPerMirror = 1
        let five = try localSpec(baseURLs: [server.base("redirect/4/ok")])  // 4 hops + the final hop to /ok = 5 redirects
        #expect(try Downloader(options: options).fetch(five, named: "m", into: state).downloadedFiles.count == 4)

        let six = try localSpec(baseURLs: [server.base("redirect/5/ok")])
        let tooMany = #expect(throws: DownloadError.self) { try Downloader(options: options).fetch(six, named: "m", into: state + "/six") }
        #expect(tooMany?.description.contains("curl error 47") == true, "\(tooMany?.description ?? "")")

        let toFile = try localSpec(baseURLs: [server.base("tofile")])
        let refused = #expect(throws: DownloadError.self) { try Downloader(options: options).fetch(toFile, named: "m", into: state + "/file") }
        #expect(refused?.description.contains("curl error 1:") == true, "\(refused?.description ?? "")")
    }

    @Test("HTTP 503 is retried at the same mirror; the error lists every attempt")
    func serverErrorRetried() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        var options = fastOptions
        options.attemptsPerMirror = 3
        let spec = try localSpec(baseURLs: [server.base("status/503"), server.base("notfound")])
        let error = #expect(throws: DownloadError.self) { try Downloader(options: options).fetch(spec, named: "m", into: state) }
        #expect(error?.attempts.map(\.problem) == [
            "attempt 1: HTTP 503 Service Unavailable", "attempt 2: HTTP 503 Service Unavailable",
            "attempt 3: HTTP 503 Service Unavailable", "attempt 1: HTTP 404 Not Found",
        ])
    }

    @Test("a damaged file in the cache is fetched again; a whole leftover .part is verified without a transfer")
    func damagedCacheAndLeftoverPart() throws {
        let (server, state) = try serverAndState()
        defer { server.stop(); TestPaths.remove(state) }
        let spec = try localSpec(baseURLs: [server.base("ok")])
        let downloader = Downloader(options: fastOptions)
        _ = try downloader.fetch(spec, named: "m", into: state)
        // Damage one cached file, and leave another as a complete .part (a crash before the rename).
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: state + "/train-labels-idx1-ubyte.gz"))
        #expect(rename(state + "/t10k-labels-idx1-ubyte.gz", state + "/t10k-labels-idx1-ubyte.gz.part") == 0)
        let report = try downloader.fetch(spec, named: "m", into: state)
        #expect(report.downloadedFiles == ["train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
        #expect(server.requests(for: "train-labels-idx1-ubyte.gz").count == 2)
        #expect(server.requests(for: "t10k-labels-idx1-ubyte.gz").count == 1)
        #expect(try MNISTFolder.load(directory: state, split: .test).labels.count == 1000)
    }

    @Test("an unknown dataset name is a clear error")
    func unknownDataset() {
        let cache = DatasetCache(stateDirectory: "/nonexistent", datasets: DatasetSpec.defaults)
        let error = #expect(throws: DatasetConfigError.self) { try cache.prepare("cifar") }
        #expect(error?.description == "invalid dataset config: no dataset named \"cifar\" is configured (configured: fashion-mnist, mnist, mnist5k).")
    }
}

/// Results written from concurrentPerform's threads.
/// A flag that can be raised once, from any thread.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    /// True for the caller that raises it, false for every later one.
    func setOnce() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if raised { return false }
        raised = true
        return true
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int: Result<LabeledImages, any Error>] = [:]

    func set(_ index: Int, _ result: Result<LabeledImages, any Error>) {
        lock.lock()
        stored[index] = result
        lock.unlock()
    }

    var values: [Result<LabeledImages, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return stored.keys.sorted().map { stored[$0]! }
    }
}
