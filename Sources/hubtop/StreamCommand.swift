import ArgumentParser
import HubtopCore
import HubtopIO
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `hubtop stream --journal PATH`: follows a journal a receiver on this machine writes and
/// writes the receiver's event stream to stdout — what `hubtop attach ssh://…` runs remotely.
struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract:
            "Write the event stream of a journal a receiver on this machine writes (what attach over SSH runs)."
    )

    @Option(help: "The journal the receiver writes (its --journal).")
    var journal: String

    @OptionGroup(title: "History") var history: ViewerStoreOptions

    /// Without a word for this long a heartbeat is written: it also finds a viewer gone.
    static let heartbeatSeconds = 5.0

    func run() throws {
        // A viewer that went away is a write that fails (EPIPE), not a signal that kills.
        signal(SIGPIPE, SIG_IGN)
        let store = history.makeStore()
        let follower = JournalFollower(path: journal, ingestor: Ingestor(store: store))
        do {
            _ = try follower.readHistory()
        } catch {
            throw fail("hubtop stream: \(error)")
        }
        let out = StreamOutput()
        out.frame(StreamEncoder.hello(events: store.totals.events, newestID: store.totals.newestID))
        var pages = StreamHistory(store: store, newest: store.totals.newestID)
        var bytes: [UInt8] = []
        while pages.nextPage(limit: 256, into: &bytes) {
            out.write(bytes)
            bytes.removeAll(keepingCapacity: true)
        }
        out.frame(StreamEncoder.caughtUp)
        out.flush()
        // One encoder for the history and what follows: the reader gets them in that order.
        let encoder = Mutex(pages.encoder)
        // Only this thread stores: changes are written as they happen.
        store.observe { change in
            if let message = encoder.withLock({ $0.message(for: change, in: store) }) { out.frame(message) }
        }
        while true {
            guard follower.wait(timeout: Self.heartbeatSeconds, also: STDOUT_FILENO) else { return }
            if !follower.readAppended() { out.heartbeat() }
            out.flush()
        }
    }
}

/// Stdout, written whole: a reader gone ends the process quietly (it is what ends a stream).
final class StreamOutput: Sendable {
    private let pending = Mutex<[UInt8]>([])

    func frame(_ data: [UInt8]) {
        pending.withLock { pending in
            ServerSentEvents.frame(id: nil, data: data, into: &pending)
            if pending.count >= 1 << 16 { Self.write(&pending) }
        }
    }

    /// Messages already framed.
    func write(_ framed: [UInt8]) {
        pending.withLock { pending in
            pending += framed
            if pending.count >= 1 << 16 { Self.write(&pending) }
        }
    }

    func heartbeat() {
        pending.withLock { $0 += ServerSentEvents.heartbeat }
    }

    func flush() {
        pending.withLock { Self.write(&$0) }
    }

    private static func write(_ bytes: inout [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count)
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { exit(0) }
            offset += written
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
