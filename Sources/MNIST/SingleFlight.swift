import Foundation

/// Runs one piece of work per key at a time: a caller that arrives while the
/// work for its key is in flight waits for that run and shares its result,
/// instead of starting a second one. Events of the running work reach every
/// caller that joined it.
///
/// NSLock and DispatchGroup rather than Synchronization.Mutex: they are
/// understood by ThreadSanitizer, which the tests run under.
final class SingleFlight<Key: Hashable & Sendable, Value: Sendable, Event: Sendable>: @unchecked Sendable {
    // @unchecked: `flights` and every `Flight`'s mutable fields are only touched under `lock`.
    typealias Observer = @Sendable (Event) -> Void

    /// One run in progress. Its mutable fields are guarded by the owner's lock.
    private final class Flight: @unchecked Sendable {
        // @unchecked: its mutable fields are only touched under the owner's `lock`.
        let finished = DispatchGroup()
        var observers: [Observer]
        var result: Result<Value, any Error>?
        var joined = 0

        init(observer: @escaping Observer) {
            observers = [observer]
        }
    }

    private let lock = NSLock()
    private var flights: [Key: Flight] = [:]

    /// `work` runs on the calling thread of the first caller for `key`; later
    /// callers block until it ends. `work` gets a function that sends an
    /// event to every caller's observer.
    func run(_ key: Key, observer: @escaping Observer,
             work: (_ broadcast: @escaping @Sendable (Event) -> Void) throws -> Value) throws -> Value {
        lock.lock()
        if let flight = flights[key] {
            flight.observers.append(observer)
            flight.joined += 1
            lock.unlock()
            flight.finished.wait()
            lock.lock()
            let result = flight.result
            lock.unlock()
            // The leader always stores a result before leaving the group.
            return try result!.get()
        }
        let flight = Flight(observer: observer)
        flight.finished.enter()
        flights[key] = flight
        lock.unlock()

        let broadcast: @Sendable (Event) -> Void = { [lock] event in
            lock.lock()
            let observers = flight.observers
            lock.unlock()
            for observer in observers { observer(event) }
        }
        let result = Result { try work(broadcast) }
        lock.lock()
        flight.result = result
        flights[key] = nil
        lock.unlock()
        flight.finished.leave()
        return try result.get()
    }

    /// Callers that joined a run of `key` in progress (0 when none is running); for tests.
    func waiters(for key: Key) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return flights[key]?.joined ?? 0
    }
}
