import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Wakes the UI loop from other threads (the listener, signal handlers) through a pipe the loop
/// polls alongside the terminal. Many wake-ups between two frames cost one byte.
public final class WakePipe: Sendable {
    public let readEnd: Int32
    public let writeEnd: Int32
    private let pending = Atomic<Bool>(false)

    public init() {
        (readEnd, writeEnd) = Self.makePipe()
    }

    /// A pipe whose ends never block and are not inherited by child processes.
    public static func makePipe() -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "cannot create a pipe")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        return (fds[0], fds[1])
    }

    public func signal() {
        if pending.exchange(true, ordering: .acquiringAndReleasing) { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe; later `signal()` calls write again. The bytes go first and the flag
    /// after: clearing the flag first let a signal's byte be read here while its flag stayed
    /// set, and every later signal then skipped its write — the loop slept through new events.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &buffer, buffer.count) > 0 {}
        pending.store(false, ordering: .releasing)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }
}
