import Dispatch

/// The dispatch sources watching one socket: a read source from `start`, a write
/// source made the first time output has to wait, each suspended and resumed on
/// demand, and the file descriptor closed in the cancel handler of the last one —
/// never while a source could still poll it (closing first lets the number be reused
/// and the old source watch a stranger's socket).
///
/// Used only on `queue`, the connection's serial queue, like all the connection's state.
final class SocketWatch {
    private let fd: Int32
    private let queue: DispatchQueue
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var readSuspended = false
    private var writeSuspended = false
    /// Sources on `fd` whose cancel handler has not run yet.
    private var liveSources = 0
    private var handlers: Handlers?
    private var onClosed: (() -> Void)?

    /// What the sources call, on `queue`.
    struct Handlers {
        var readable: () -> Void
        var writable: () -> Void
    }

    /// `onClosed` runs once the fd is closed. It and the handlers may capture the
    /// connection strongly: that keeps it alive exactly as long as a source can still
    /// call it, and the cycle is broken when the fd is closed (both let go).
    init(fd: Int32, queue: DispatchQueue, onClosed: @escaping () -> Void) {
        self.fd = fd
        self.queue = queue
        self.onClosed = onClosed
    }

    /// Starts watching for input.
    func start(_ handlers: Handlers) {
        self.handlers = handlers
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        read.setEventHandler { self.handlers?.readable() }
        read.setCancelHandler { self.sourceCancelled() }
        liveSources += 1
        readSource = read
        read.activate()
    }

    func setReading(_ on: Bool) {
        guard let read = readSource, readSuspended == on else { return }
        if on { read.resume() } else { read.suspend() }
        readSuspended = !on
    }

    func setWriting(_ on: Bool) {
        guard let write = writeSource else {
            guard on, handlers != nil else { return }
            let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            write.setEventHandler { self.handlers?.writable() }
            write.setCancelHandler { self.sourceCancelled() }
            liveSources += 1
            writeSource = write
            writeSuspended = false
            write.activate()
            return
        }
        guard writeSuspended == on else { return }
        if on { write.resume() } else { write.suspend() }
        writeSuspended = !on
    }

    /// Cancels the sources; the fd is closed in the last cancel handler, or now if none
    /// was ever made.
    func cancel() {
        // A suspended source never delivers its cancel handler, and releasing a
        // suspended source crashes: resume before cancelling.
        if let read = readSource {
            if readSuspended { read.resume() }
            read.cancel()
        }
        if let write = writeSource {
            if writeSuspended { write.resume() }
            write.cancel()
        }
        readSource = nil
        writeSource = nil
        if liveSources == 0 { closeFD() }
    }

    private func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0 { closeFD() }
    }

    private func closeFD() {
        SocketIO.close(fd)
        handlers = nil
        let closed = onClosed
        onClosed = nil
        closed?()
    }
}
