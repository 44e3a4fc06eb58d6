import CGantryCurl
import Foundation

/// One libcurl transfer of one URL into one file. This file holds every
/// libcurl pointer; the rest of the module sees only Swift values.
struct TransferRequest {
    var url: String
    /// The `.part` file written to.
    var destination: String
    /// Bytes of `destination` to keep and continue after, with a Range
    /// request; 0 starts from scratch. Only http(s) transfers resume.
    var resumeFrom: Int
    /// The file's configured size: a byte past it aborts the transfer.
    var maxBytes: Int
    var options: DownloadOptions
}

struct TransferResult {
    /// nil when the transfer ran to its end (the file may still be short or wrong).
    var failure: TransferFailure?
    /// True when the server ignored the Range request and the file began again at 0.
    var restartedFromZero: Bool
}

enum TransferFailure: Equatable {
    /// The final response (after redirects) had this status.
    case httpStatus(Int)
    /// The server sent more than the configured size.
    case tooLarge(limit: Int)
    /// A 206 for a different range than the one asked for.
    case wrongRange(asked: Int, got: Int)
    /// libcurl gave up: connection, TLS, timeout, low speed, redirects, protocol.
    case curl(code: Int, message: String, transient: Bool)
    /// The `.part` file could not be written: not the mirror's fault.
    case localFile(String)
}

enum CurlTransfer {
    /// curl_global_init is not thread-safe and must run once before any
    /// handle exists; a lazily initialised static runs it exactly once.
    private static let globalInit: Int = Int(curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue)

    /// Protocols libcurl may speak: the config's schemes. Redirects may not
    /// lead to `file`, or a remote server could make us read a local file.
    static let protocols = "http,https,file"
    static let redirectProtocols = "http,https"

    static func perform(_ request: TransferRequest, progress: (Int) -> Void) -> TransferResult {
        guard globalInit == 0 else {
            return TransferResult(failure: .curl(code: globalInit, message: "libcurl could not initialise", transient: false), restartedFromZero: false)
        }
        let descriptor = open(request.destination, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            return TransferResult(failure: .localFile("cannot open \(request.destination): \(POSIXErrorText.current())"), restartedFromZero: false)
        }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(request.resumeFrom)) == 0,
              lseek(descriptor, off_t(request.resumeFrom), SEEK_SET) >= 0 else {
            return TransferResult(failure: .localFile("cannot prepare \(request.destination): \(POSIXErrorText.current())"), restartedFromZero: false)
        }
        guard let handle = curl_easy_init() else {
            return TransferResult(failure: .curl(code: -1, message: "curl_easy_init failed", transient: false), restartedFromZero: false)
        }
        defer { curl_easy_cleanup(handle) }
        let errorText = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorText.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorText.deallocate() }

        let isHTTP = DatasetSpec.scheme(of: request.url) != "file"
        return withoutActuallyEscaping(progress) { progress in
            let state = TransferState(descriptor: descriptor, handle: handle, request: request, checksStatus: isHTTP, progress: progress)
            return run(handle, request: request, state: state, descriptor: descriptor, errorText: errorText)
        }
    }

    private static func run(_ handle: UnsafeMutableRawPointer, request: TransferRequest, state: TransferState,
                            descriptor: Int32, errorText: UnsafeMutablePointer<CChar>) -> TransferResult {
        if let failure = configure(handle, for: request, state: state, errorText: errorText) {
            return TransferResult(failure: failure, restartedFromZero: false)
        }
        let code = withExtendedLifetime(state) { curl_easy_perform(handle) }

        if let failure = state.failure {
            return TransferResult(failure: failure, restartedFromZero: state.restartedFromZero)
        }
        if code != CURLE_OK {
            return TransferResult(failure: failure(for: code, errorText: errorText, request: request), restartedFromZero: state.restartedFromZero)
        }
        // A response with an empty body never reached the write callback: judge its status now.
        if !state.bodyStarted && !state.beginBody() {
            return TransferResult(failure: state.failure, restartedFromZero: state.restartedFromZero)
        }
        guard fsync(descriptor) == 0 else {
            return TransferResult(failure: .localFile("cannot sync \(request.destination): \(POSIXErrorText.current())"), restartedFromZero: state.restartedFromZero)
        }
        return TransferResult(failure: nil, restartedFromZero: state.restartedFromZero)
    }

    /// Sets every option; returns a failure if libcurl refuses one (an old
    /// libcurl without CURLOPT_PROTOCOLS_STR must not silently allow every protocol).
    private static func configure(_ handle: UnsafeMutableRawPointer, for request: TransferRequest, state: TransferState,
                                  errorText: UnsafeMutablePointer<CChar>) -> TransferFailure? {
        let options = request.options
        let context = Unmanaged.passUnretained(state).toOpaque()
        var refused: [String] = []
        func check(_ code: CURLcode, _ name: String) {
            if code != CURLE_OK { refused.append("\(name) (\(String(cString: curl_easy_strerror(code))))") }
        }
        check(cgantry_easy_setopt_string(handle, CURLOPT_URL, request.url), "CURLOPT_URL")
        check(cgantry_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, protocols), "CURLOPT_PROTOCOLS_STR")
        check(cgantry_easy_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, redirectProtocols), "CURLOPT_REDIR_PROTOCOLS_STR")
        check(cgantry_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1), "CURLOPT_FOLLOWLOCATION")
        check(cgantry_easy_setopt_long(handle, CURLOPT_MAXREDIRS, DownloadOptions.maxRedirects), "CURLOPT_MAXREDIRS")
        check(cgantry_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), "CURLOPT_SSL_VERIFYPEER")
        check(cgantry_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), "CURLOPT_SSL_VERIFYHOST")
        check(cgantry_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeoutSeconds * 1000)), "CURLOPT_CONNECTTIMEOUT_MS")
        check(cgantry_easy_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, options.lowSpeedLimitBytesPerSecond), "CURLOPT_LOW_SPEED_LIMIT")
        check(cgantry_easy_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, options.lowSpeedTimeSeconds), "CURLOPT_LOW_SPEED_TIME")
        // Refuses a response whose Content-Length is already over the size; the write callback catches the rest.
        check(cgantry_easy_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxBytes)), "CURLOPT_MAXFILESIZE_LARGE")
        // Signals cannot be used for timeouts in a multi-threaded daemon.
        check(cgantry_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")
        check(cgantry_easy_setopt_string(handle, CURLOPT_USERAGENT, "gantry-dataset-downloader/1"), "CURLOPT_USERAGENT")
        check(cgantry_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorText), "CURLOPT_ERRORBUFFER")
        if request.resumeFrom > 0 {
            check(cgantry_easy_setopt_string(handle, CURLOPT_RANGE, "\(request.resumeFrom)-"), "CURLOPT_RANGE")
        }
        check(cgantry_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context, let data else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
            return state.write(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }, "CURLOPT_WRITEFUNCTION")
        check(cgantry_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "CURLOPT_WRITEDATA")
        check(cgantry_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let context, let data else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
            state.header(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }, "CURLOPT_HEADERFUNCTION")
        check(cgantry_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "CURLOPT_HEADERDATA")
        guard refused.isEmpty else {
            return .curl(code: -1, message: "libcurl refused " + refused.joined(separator: ", "), transient: false)
        }
        return nil
    }

    private static func failure(for code: CURLcode, errorText: UnsafeMutablePointer<CChar>, request: TransferRequest) -> TransferFailure {
        if code == CURLE_FILESIZE_EXCEEDED { return .tooLarge(limit: request.maxBytes) }
        let detail = String(cString: errorText)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        return .curl(code: Int(code.rawValue), message: message, transient: transientCodes.contains(code))
    }

    /// Failures that a later try at the same mirror may not meet.
    private static let transientCodes: Set<CURLcode> = [
        CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_PARTIAL_FILE, CURLE_OPERATION_TIMEDOUT,
        CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_SSL_CONNECT_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM,
    ]
}

/// What the callbacks of one transfer share. Used only on the thread running
/// curl_easy_perform, which calls the callbacks synchronously.
private final class TransferState {
    let descriptor: Int32
    let handle: UnsafeMutableRawPointer
    let request: TransferRequest
    let checksStatus: Bool
    let progress: (Int) -> Void
    var fileBytes: Int
    var bodyStarted = false
    var restartedFromZero = false
    var failure: TransferFailure?
    /// First byte of the latest response's Content-Range, if it had one.
    var contentRangeStart: Int?

    init(descriptor: Int32, handle: UnsafeMutableRawPointer, request: TransferRequest, checksStatus: Bool, progress: @escaping (Int) -> Void) {
        self.descriptor = descriptor
        self.handle = handle
        self.request = request
        self.checksStatus = checksStatus
        self.progress = progress
        self.fileBytes = request.resumeFrom
    }

    /// Judges the final response before its first body byte is kept: an
    /// error status is not saved as data, and a 200 to a Range request means
    /// the server sends the whole file, so the part file starts over.
    func beginBody() -> Bool {
        bodyStarted = true
        guard checksStatus else { return true }
        var status = 0
        _ = cgantry_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        switch status {
        case 206 where request.resumeFrom > 0:
            if let start = contentRangeStart, start != request.resumeFrom {
                failure = .wrongRange(asked: request.resumeFrom, got: start)
                return false
            }
            return true
        case 200:
            if request.resumeFrom > 0 {
                guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
                    failure = .localFile("cannot truncate \(request.destination): \(POSIXErrorText.current())")
                    return false
                }
                fileBytes = 0
                restartedFromZero = true
            }
            return true
        default:
            failure = .httpStatus(status)
            return false
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !bodyStarted && !beginBody() { return false }
        guard fileBytes + bytes.count <= request.maxBytes else {
            failure = .tooLarge(limit: request.maxBytes)
            return false
        }
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failure = .localFile("cannot write \(request.destination): \(POSIXErrorText.current())")
                return false
            }
            offset += n
        }
        fileBytes += bytes.count
        progress(fileBytes)
        return true
    }

    /// Remembers the Content-Range of the response being received; a new
    /// status line (after a redirect) forgets the previous one.
    func header(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            contentRangeStart = nil
            return
        }
        let lower = line.lowercased()
        guard lower.hasPrefix("content-range:") else { return }
        // "Content-Range: bytes 1000-1999/2000"
        let value = lower.dropFirst("content-range:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        guard value.hasPrefix("bytes "), let dash = value.firstIndex(of: "-") else { return }
        contentRangeStart = Int(value[value.index(value.startIndex, offsetBy: 6)..<dash].trimmingCharacters(in: .whitespaces))
    }
}
