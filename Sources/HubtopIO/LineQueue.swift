import DequeModule
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Lines for a file descriptor (headless stdout), written by a queue of their own so that a
/// reader that stops reading (`hubtop --headless | sleep 40`) never blocks the listener. Past
/// `maxBytes` waiting, new lines are dropped and counted.
public final class LineQueue: Sendable {
    public let descriptor: Int32
    public let maxBytes: Int
    private struct State {
        var lines = Deque<[UInt8]>()
        var bytes = 0
        var draining = false
        var dropped = 0
    }
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "hubtop.output")

    /// How long the first line waits for others to go out with it.
    static let gathering = DispatchTimeInterval.milliseconds(2)

    public init(descriptor: Int32, maxBytes: Int = 4 << 20) {
        self.descriptor = descriptor
        self.maxBytes = maxBytes
    }

    /// Lines dropped because the reader fell behind.
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Queues `line` (a newline is added); never blocks.
    public func push(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        let start = state.withLock { state -> Bool in
            guard state.bytes + bytes.count <= maxBytes else {
                state.dropped += 1
                return false
            }
            state.lines.append(bytes)
            state.bytes += bytes.count
            defer { state.draining = true }
            return !state.draining
        }
        // Lines that come within a moment go out in one write: a drain started for every line
        // of a fast stream cost a thread's wake-up each (a viewer catching up prints a million).
        if start { queue.asyncAfter(deadline: .now() + Self.gathering) { self.drain() } }
    }

    private func drain() {
        while true {
            let batch = state.withLock { state -> [UInt8]? in
                guard !state.lines.isEmpty else {
                    state.draining = false
                    return nil
                }
                var batch: [UInt8] = []
                batch.reserveCapacity(min(state.bytes, 1 << 16))
                while let line = state.lines.first, batch.isEmpty || batch.count + line.count <= 1 << 16 {
                    batch.append(contentsOf: line)
                    state.lines.removeFirst()
                }
                state.bytes -= batch.count
                return batch
            }
            guard let batch else { return }
            var offset = 0
            while offset < batch.count {
                let written = batch[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 && errno == EINTR { continue }
                // A closed reader: nothing more can be written; the rest is dropped.
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// Waits up to `seconds` for what is queued to be written (at exit); false if it was not.
    @discardableResult
    public func flush(within seconds: Double) -> Bool {
        let done = DispatchSemaphore(value: 0)
        // Now, not when a gathering drain would start.
        queue.async {
            self.drain()
            done.signal()
        }
        return done.wait(timeout: .now() + seconds) == .success
    }
}
