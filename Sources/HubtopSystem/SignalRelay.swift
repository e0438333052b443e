import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The process's one way of hearing signals, for the dashboard and headless runs alike: a real
/// handler writes the signal's number to a pipe (a handler may do little else, and a dispatch
/// source on Linux only sees signals the kernel happens to deliver to its own thread). The
/// dashboard polls `readEnd` beside the terminal; headless runs `await next()`.
///
/// Installed from the very start of a run, so a signal that arrives before anyone waits is kept.
public final class SignalRelay: Sendable {
    public let readEnd: Int32
    private let writeEnd: Int32
    private let signals: [Int32]
    private struct Waiting {
        var received: [Int32] = []
        var waiter: CheckedContinuation<Int32?, Never>?
        var reading = false
    }
    private let waiting = Mutex(Waiting())

    public init(_ signals: [Int32]) {
        (readEnd, writeEnd) = WakePipe.makePipe()
        self.signals = signals
        relayWriteEnd = writeEnd
        for number in signals { signal(number, relaySignal) }
    }

    /// The signals received since the last call (from the pipe), oldest first.
    public func drain() -> [Int32] {
        var numbers: [Int32] = []
        var byte: UInt8 = 0
        while read(readEnd, &byte, 1) == 1 { numbers.append(Int32(byte)) }
        return numbers
    }

    /// Waits for the next signal (one received before the call counts); nil when the waiting
    /// task is cancelled first (a run that ends for another reason).
    public func next() async -> Int32? {
        if let first = waiting.withLock({ $0.received.isEmpty ? nil : $0.received.removeFirst() }) {
            return first
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let start = waiting.withLock { waiting -> Bool? in
                    // Cancelled before the waiter was in place: the handler found nothing to resume.
                    if Task.isCancelled { return nil }
                    waiting.waiter = continuation
                    defer { waiting.reading = true }
                    return !waiting.reading
                }
                guard let start else { return continuation.resume(returning: nil) }
                if start { Self.readInBackground(self) }
            }
        } onCancel: {
            let waiter = waiting.withLock { waiting in
                defer { waiting.waiter = nil }
                return waiting.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// A thread of its own blocks in `poll` on the pipe until a signal comes.
    private static func readInBackground(_ relay: SignalRelay) {
        TerminalThread.detach {
            while true {
                var fd = pollfd(fd: relay.readEnd, events: Int16(POLLIN), revents: 0)
                _ = poll(&fd, 1, -1)
                let numbers = relay.drain()
                guard !numbers.isEmpty else { continue }
                let waiter = relay.waiting.withLock { waiting -> CheckedContinuation<Int32?, Never>? in
                    waiting.received += numbers
                    guard let waiter = waiting.waiter else { return nil }
                    waiting.waiter = nil
                    return waiter
                }
                if let waiter {
                    let first = relay.waiting.withLock { $0.received.removeFirst() }
                    waiter.resume(returning: first)
                }
            }
        }
    }

    /// Relays one more signal (SIGWINCH, once curses has installed its own handler for it).
    public func add(_ number: Int32) { signal(number, relaySignal) }

    /// Gives the signals back to their default action.
    public func release() {
        for number in signals { signal(number, SIG_DFL) }
    }
}

/// The write end of the relay's pipe: a handler may only touch plain globals.
nonisolated(unsafe) private var relayWriteEnd: Int32 = -1

private func relaySignal(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(relayWriteEnd, &byte, 1)
}

/// Threads of our own, outside the cooperative pool (which has one thread per core: blocking it
/// for a whole dashboard session would halve it on two cores).
public enum TerminalThread {
    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new detached thread.
    public static func detach(_ body: @escaping @Sendable () -> Void) {
        let work = Unmanaged.passRetained(Work(body)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<Work>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, work)
        precondition(created == 0, "cannot start a thread")
        pthread_detach(thread)
    }

    /// Runs `body` on a thread of its own and waits for its result without holding a pool thread.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            detach { continuation.resume(returning: body()) }
        }
    }
}
