import Foundation

/// The tries at one mirror for one file: transfer, resume, retry with
/// backoff, verify, commit. Decides after each failure whether this mirror
/// deserves another try.
struct MirrorAttempts {
    enum Result {
        case delivered
        /// This mirror is done with; each try and what went wrong.
        case gaveUp([DownloadError.Attempt])
        /// The cache folder failed us; no other mirror would do better.
        case localFailure([DownloadError.Attempt], String)
    }

    let url: String
    let file: DatasetFile
    let partPath: String
    let finalPath: String
    let expectedSHA256: String
    let options: DownloadOptions
    let events: @Sendable (DownloadEvent) -> Void
    let progressOf: (Int) -> DownloadProgress

    /// What one try ended in, and whether to try this mirror again.
    private enum Verdict {
        case delivered
        case retry(String, backoff: Bool)
        case nextMirror(String)
        case local(String)
    }

    func run() throws -> Result {
        var tried: [DownloadError.Attempt] = []
        var freshStartAfterMismatchUsed = false
        var attempt = 0
        while true {
            attempt += 1
            let verdict = tryOnce(attempt: attempt, freshStartAfterMismatchUsed: &freshStartAfterMismatchUsed)
            let problem: String
            var backoff = true
            switch verdict {
            case .delivered:
                events(.downloaded(file: file.name, url: url))
                return .delivered
            case .local(let text):
                tried.append(.init(url: url, problem: "attempt \(attempt): \(text)"))
                return .localFailure(tried, text)
            case .nextMirror(let text):
                tried.append(.init(url: url, problem: "attempt \(attempt): \(text)"))
                events(.failed(file: file.name, url: url, problem: text))
                return .gaveUp(tried)
            case .retry(let text, let withBackoff):
                problem = text
                backoff = withBackoff
            }
            tried.append(.init(url: url, problem: "attempt \(attempt): \(problem)"))
            events(.failed(file: file.name, url: url, problem: problem))
            guard attempt < options.attemptsPerMirror else { return .gaveUp(tried) }
            let delay = backoff ? options.retryDelay(afterAttempt: attempt) : 0
            events(.retrying(file: file.name, url: url, delaySeconds: delay))
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        }
    }

    private func tryOnce(attempt: Int, freshStartAfterMismatchUsed: inout Bool) -> Verdict {
        var resumeFrom = FileStatus.regularFileSize(partPath) ?? 0
        // file:// copies are local and cheap, and have no status line to
        // confirm a range, so they always start from the beginning.
        if resumeFrom > file.size || DatasetSpec.scheme(of: url) == "file" {
            resumeFrom = 0
        }
        var restartedFromZero = false
        // A part file that is already whole (the process died between the
        // last byte and the rename) only needs verifying.
        if resumeFrom < file.size {
            events(.started(file: file.name, url: url, attempt: attempt, resumingAt: resumeFrom))
            var lastReported = resumeFrom
            let step = max(64 * 1024, file.size / 200)
            let request = TransferRequest(url: url, destination: partPath, resumeFrom: resumeFrom, maxBytes: file.size, options: options)
            let result = CurlTransfer.perform(request) { bytes in
                if bytes - lastReported >= step || bytes == file.size || bytes < lastReported {
                    lastReported = bytes
                    events(.progress(progressOf(bytes)))
                }
            }
            restartedFromZero = result.restartedFromZero
            if let failure = result.failure {
                return verdict(for: failure)
            }
        }
        let received = FileStatus.regularFileSize(partPath) ?? 0
        if received != file.size && DatasetSpec.scheme(of: url) == "file" {
            // A local file copied whole: its size is what it is, and trying again cannot change it.
            CacheFiles.remove(partPath)
            return .nextMirror("the file holds \(received) bytes; the configuration expects \(file.size) "
                               + "(a different or damaged copy: check the folder, or the dataset's size and sha256 in the configuration)")
        }
        guard received == file.size else {
            // A response without Content-Length that ended early looks complete to libcurl.
            return .retry("the transfer ended after \(received) of \(file.size) bytes", backoff: true)
        }
        let actual: String
        do {
            actual = try FileSHA256.hex(ofFileAt: partPath)
        } catch {
            return .local("cannot read back \(partPath): \(error)")
        }
        guard actual == expectedSHA256 else {
            CacheFiles.remove(partPath)
            let text = "checksum mismatch: expected sha256 \(expectedSHA256), received \(actual)"
            // Bytes resumed onto may have come from another mirror or a
            // damaged earlier try: one fresh start here before blaming this mirror.
            if resumeFrom > 0 && !restartedFromZero && !freshStartAfterMismatchUsed {
                freshStartAfterMismatchUsed = true
                return .retry(text + " (after resuming at byte \(resumeFrom); starting over)", backoff: false)
            }
            return .nextMirror(text)
        }
        do {
            try CacheFiles.commit(partPath, as: finalPath)
        } catch {
            return .local("\(error)")
        }
        return .delivered
    }

    private func verdict(for failure: TransferFailure) -> Verdict {
        switch failure {
        case .httpStatus(416):
            // The server cannot serve the range we hold: our part file is not a prefix of its file.
            CacheFiles.remove(partPath)
            return .retry("HTTP 416 (range not satisfiable); starting over", backoff: false)
        case .httpStatus(let status):
            let text = "HTTP \(status) \(HTTPStatusText.reason(status))"
            return [408, 425, 429, 500, 502, 503, 504].contains(status) ? .retry(text, backoff: true) : .nextMirror(text)
        case .tooLarge(let limit):
            CacheFiles.remove(partPath)
            return .nextMirror("the server sent more than the expected \(limit) bytes; transfer stopped at the cap")
        case .wrongRange(let asked, let got):
            CacheFiles.remove(partPath)
            return .retry("asked for bytes from \(asked) but the server sent bytes from \(got); starting over", backoff: false)
        case .curl(let code, let message, let transient):
            let text = "curl error \(code): \(message)"
            return transient ? .retry(text, backoff: true) : .nextMirror(text)
        case .localFile(let text):
            return .local(text)
        }
    }
}

/// Reason phrases for the statuses a mirror is likely to answer with.
enum HTTPStatusText {
    static func reason(_ status: Int) -> String {
        switch status {
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 408: return "Request Timeout"
        case 410: return "Gone"
        case 416: return "Range Not Satisfiable"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return status >= 500 ? "(server error)" : status >= 400 ? "(client error)" : "(unexpected status)"
        }
    }
}
