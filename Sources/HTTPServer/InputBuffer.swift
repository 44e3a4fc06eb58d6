/// The bytes a connection has read and not yet consumed, in one contiguous
/// block so the parser can scan a request in place and `read(2)` can write
/// straight into the free space after it.
///
/// Confined to its connection's queue (not Sendable). It starts small and
/// grows only as far as a request legitimately needs; `releaseIfIdle()` gives
/// a large block back once a big body has been handled.
final class InputBuffer {
    private var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private var start = 0
    private var end = 0
    private let initialCapacity: Int

    init(initialCapacity: Int = 4096) {
        self.initialCapacity = initialCapacity
        capacity = initialCapacity
        storage = UnsafeMutableRawPointer.allocate(byteCount: initialCapacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    /// Unconsumed bytes.
    var count: Int { end - start }
    var isEmpty: Bool { end == start }

    func withReadable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let typed = storage.assumingMemoryBound(to: UInt8.self)
        return try body(UnsafeBufferPointer(start: typed + start, count: end - start))
    }

    /// Drops `n` bytes from the front (a request the parser took).
    func consume(_ n: Int) {
        precondition(n >= 0 && n <= count, "consuming more than was read")
        start += n
        if start == end {
            start = 0
            end = 0
        }
    }

    func removeAll() {
        start = 0
        end = 0
    }

    /// Makes at least `minimumFree` bytes writable after the data, moving the
    /// data to the front or growing the block as needed, then lets `body` fill
    /// them; `body` returns how many bytes it wrote (or a negative/zero result,
    /// which writes nothing).
    func write(minimumFree: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        if capacity - end < minimumFree {
            if start > 0 {
                // Slide unconsumed bytes to the front before growing.
                storage.copyMemory(from: storage + start, byteCount: count)
                end -= start
                start = 0
            }
            if capacity - end < minimumFree {
                var newCapacity = capacity
                while newCapacity - end < minimumFree { newCapacity *= 2 }
                let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                newStorage.copyMemory(from: storage, byteCount: end)
                storage.deallocate()
                storage = newStorage
                capacity = newCapacity
            }
        }
        let n = body(UnsafeMutableRawBufferPointer(start: storage + end, count: capacity - end))
        if n > 0 { end += n }
        return n
    }

    /// Shrinks back to the initial size when empty and grown, so a connection
    /// that once sent a 1 MiB body does not keep 1 MiB for its whole life.
    func releaseIfIdle() {
        guard isEmpty, capacity > initialCapacity * 4 else { return }
        storage.deallocate()
        storage = UnsafeMutableRawPointer.allocate(byteCount: initialCapacity, alignment: 16)
        capacity = initialCapacity
    }
}
