import Dispatch
import HubtopCore
import HubtopIO
import HubtopSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What fills an attached viewer's store: a receiver's stream (HTTP or SSH), or a journal
/// followed here. Headless, it also prints what arrives.
final class AttachFeed: Sendable {
    let status: AttachStatus
    /// Fetches an event's raw requests from the receiver into the store (nil: none to fetch).
    let wantRequests: (@Sendable (UInt64) -> Void)?
    private let reason = Mutex<String?>(nil)
    /// Whether an end must raise SIGTERM to stop a dashboard; headless, the run ends by itself,
    /// and a signal raised then could outlive the relay and kill the process (status 143, not 1).
    private let endRaisesSignal = Atomic<Bool>(false)
    private let body: @Sendable (AttachFeed) async -> Void
    private let halt: @Sendable () -> Void

    private init(
        status: AttachStatus, wantRequests: (@Sendable (UInt64) -> Void)? = nil,
        body: @escaping @Sendable (AttachFeed) async -> Void, halt: @escaping @Sendable () -> Void = {}
    ) {
        self.status = status
        self.wantRequests = wantRequests
        self.body = body
        self.halt = halt
    }

    /// Why it ended for good (a refused token, a missing journal); nil while it goes on.
    var failure: String? { reason.withLock { $0 } }

    /// Runs until it fails for good, is stopped, or (headless) a signal comes; the failure, if any.
    func run(until signals: SignalRelay?) async -> String? {
        endRaisesSignal.store(signals == nil, ordering: .sequentiallyConsistent)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.body(self) }
            if let signals { group.addTask { _ = await signals.next() } }
            await group.next()
            stop()
            group.cancelAll()
        }
        return failure
    }

    func stop() { halt() }

    private func end(_ text: String) {
        reason.withLock { $0 = text }
        // The dashboard ends as on a signal; the reason is said once the screen is back.
        if endRaisesSignal.load(ordering: .sequentiallyConsistent) { kill(getpid(), SIGTERM) }
    }

    static func stream(_ attachment: Attachment, store: EventStore, output: LineQueue?, json: Bool)
        -> AttachFeed
    {
        let applier = StreamApplier(store: store)
        let status = attachment.status
        let wantRequests: @Sendable (UInt64) -> Void = { local in
            guard store.requests(of: local).isEmpty, let remote = applier.receiverID(of: local) else {
                return
            }
            Task {
                switch await attachment.requests(of: remote) {
                case .success(let requests): for request in requests { store.record(request, for: local) }
                case .failure(let error): status.note("raw requests: \(error)")
                }
            }
        }
        return AttachFeed(status: status, wantRequests: wantRequests) { feed in
            do {
                try await attachment.run { events in
                    for outcome in applier.apply(batch: events.map(\.data)) {
                        let message: StreamMessage
                        switch outcome {
                        case .success(let applied?): message = applied
                        case .success(nil): continue
                        case .failure(let error):
                            // One bad message is skipped, and said; the stream goes on.
                            status.note("a message from the receiver could not be read: \(error)")
                            if output != nil { Console.error("hubtop attach: skipped a message: \(error)") }
                            continue
                        }
                        status.note(nil)
                        show(message, status: status, output: output, json: json)
                    }
                }
            } catch {
                feed.end("\(error)")
            }
        }
    }

    /// What an applied message changes for the person watching: the state, or a line printed.
    private static func show(_ message: StreamMessage, status: AttachStatus, output: LineQueue?, json: Bool) {
        switch message {
        case .caughtUp: status.set(.live)
        case .event(let event):
            output?.push(json ? EventFormatter.json(event.stored) : EventFormatter.line(event.stored))
        case .fold(let id, let deliveries, let at):
            output?.push(
                json
                    ? String(
                        decoding: StreamEncoder.fold(id: id, deliveries: deliveries, lastDeliveredAt: at),
                        as: UTF8.self)
                    : "#\(id)  redelivered, \(deliveries) deliveries")
        case .hello, .other: break
        }
    }

    static func journal(_ path: String, ingestor: Ingestor, output: LineQueue?, json: Bool) throws
        -> AttachFeed
    {
        let follower = JournalFollower(path: path, ingestor: ingestor)
        let status = AttachStatus(target: .journal(path: path))
        if let output {
            let printer = HeadlessPrinter(store: ingestor.store, json: json, output: output)
            ingestor.store.observe { printer.print($0) }
        }
        do {
            _ = try follower.readHistory()
        } catch {
            throw fail("hubtop attach: \(error)")
        }
        status.set(.live)
        status.heard()
        let stopped = Atomic<Bool>(false)
        return AttachFeed(
            status: status,
            body: { _ in
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().async {
                        while !stopped.load(ordering: .relaxed) {
                            _ = follower.wait(timeout: 1)
                            if follower.readAppended() { status.heard() }
                        }
                        continuation.resume()
                    }
                }
            }, halt: { stopped.store(true, ordering: .relaxed) })
    }
}
