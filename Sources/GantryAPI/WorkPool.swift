import Foundation

/// Runs request work off the connections' queues, on `width` threads of its own, with
/// at most `queueLimit` pieces waiting; past that, `submit` refuses at once and the
/// caller answers 503.
///
/// Its own threads, not Dispatch's: Dispatch runs queued work on a pool about as wide
/// as the machine has cores, and work that computes for milliseconds (sampling under
/// the BLAS gate) or waits on a stalled store would hold those threads while every
/// connection, `/healthz` included, waits for one (measured: `/healthz` took 0.4–0.8 s
/// for ten seconds while 60 clients pipelined sampling requests).
package final class WorkPool: Sendable {
    let name: String
    let width: Int
    let queueLimit: Int
    private let queue: Queue

    package init(name: String, width: Int, queueLimit: Int) {
        precondition(width >= 1 && queueLimit >= 0)
        self.name = name
        self.width = width
        self.queueLimit = queueLimit
        queue = Queue(limit: queueLimit)
        for index in 0..<width {
            // The threads hold the queue, not the pool: when the pool goes, `deinit` stops them.
            let queue = self.queue
            let thread = Thread { queue.serve() }
            thread.name = "gantry-\(name.lowercased())-\(index)"
            thread.start()
        }
    }

    deinit { queue.stop() }

    /// Queues `work` for the next free thread; false when `queueLimit` pieces already
    /// wait beyond the ones the idle threads take at once.
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool { queue.submit(work) }

    final class Queue: @unchecked Sendable {
        // @unchecked: every field is only touched under `condition`.
        private let condition = NSCondition()
        private let limit: Int
        private var waiting: [@Sendable () -> Void] = []
        private var head = 0
        private var idle = 0
        private var stopped = false

        init(limit: Int) { self.limit = limit }

        func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            guard !stopped, waiting.count - head < limit + idle else { return false }
            waiting.append(work)
            condition.signal()
            return true
        }

        /// Lets the threads end once the queue is empty.
        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }

        func serve() {
            while true {
                condition.lock()
                idle += 1
                while head == waiting.count && !stopped { condition.wait() }
                idle -= 1
                guard head < waiting.count else {
                    condition.unlock()
                    return
                }
                let work = waiting[head]
                head += 1
                if head == waiting.count {
                    waiting.removeAll(keepingCapacity: true)
                    head = 0
                }
                condition.unlock()
                work()
            }
        }
    }
}
