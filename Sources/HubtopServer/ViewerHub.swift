import DequeModule
import HubtopCore
import NIOCore
import Synchronization

/// The receiver's side of `GET /stream`: turns each change of the store into one stream message,
/// keeps the newest in a ring (so a viewer that reconnects resumes exactly from its last id),
/// and hands each to every attached viewer's bounded buffer.
///
/// While no viewer is attached (nor was in the last minute) nothing is encoded: a receiver
/// nobody watches pays nothing.
public final class ViewerHub: Sendable {
    public let maximumViewers: Int
    /// What a viewer that does not read may have waiting before it is disconnected.
    public let bufferBytes: Int
    let store: EventStore
    /// This process's mark on its ids: a ring position means nothing to another run.
    let run = String(WebhookToken.random().prefix(8))
    static let ringMessages = 4096
    static let ringBytes = 8 << 20
    static let lingerSeconds = 60.0

    struct State {
        var sequence: UInt64 = 0
        var ring = Deque<(sequence: UInt64, frame: ByteBuffer)>()
        var ringBytes = 0
        /// The first sequence the ring can still give (everything from it on is there).
        var ringStart: UInt64 = 1
        var viewers: [ObjectIdentifier: any StreamSink] = [:] {
            // Handed out with every message: made once per join or leave, not per event.
            didSet { sinks = Array(viewers.values) }
        }
        var sinks: [any StreamSink] = []
        /// Every viewer's live messages, in the order they are numbered.
        var encoder: StreamEncoder
        var lastLeft = -Double.infinity
    }
    let state: Mutex<State>
    private let resendAfter: Int

    public init(store: EventStore, maximumViewers: Int, bufferBytes: Int) {
        self.store = store
        // A repository comes again before the history a joining viewer reads could have lost it.
        resendAfter = max(1, min(Self.ringMessages, store.capacity / 2))
        state = Mutex(State(encoder: StreamEncoder(resendAfter: resendAfter)))
        self.maximumViewers = maximumViewers
        self.bufferBytes = bufferBytes
    }

    /// Starts following the store (once, when the listener starts).
    public func follow() {
        store.observe { [weak self] change in self?.publish(change) }
    }

    public var viewers: Int { state.withLock { $0.viewers.count } }

    func publish(_ change: StoreChange) {
        let active = state.withLock { state in
            if state.viewers.isEmpty && WallClock.now() - state.lastLeft > Self.lingerSeconds {
                // Unwatched: no ring either, and a gap, so no one resumes across it.
                if !state.ring.isEmpty || state.ringStart <= state.sequence {
                    state.ring.removeAll()
                    state.ringBytes = 0
                    // What it sent is forgotten with it: the next viewer's history says it again.
                    state.encoder = StreamEncoder(resendAfter: resendAfter)
                }
                state.sequence += 1
                state.ringStart = state.sequence + 1
                return false
            }
            return true
        }
        guard active else { return }
        // Encoded, numbered and handed over in one order: a message that leaves out a repository
        // reaches each viewer after the one that carried it.
        state.withLock { state in
            guard let data = state.encoder.message(for: change, in: store) else { return }
            state.sequence += 1
            var bytes: [UInt8] = []
            bytes.reserveCapacity(data.count + 32)
            ServerSentEvents.frame(id: id(state.sequence), data: data, into: &bytes)
            // One buffer for every viewer: NIO writes it to each socket without a copy of ours.
            let frame = ByteBuffer(bytes: bytes)
            state.ring.append((state.sequence, frame))
            state.ringBytes += frame.readableBytes
            while state.ring.count > Self.ringMessages || state.ringBytes > Self.ringBytes,
                let oldest = state.ring.popFirst()
            {
                state.ringBytes -= oldest.frame.readableBytes
                state.ringStart = oldest.sequence + 1
            }
            for sink in state.sinks { sink.push(frame) }
        }
    }

    func id(_ sequence: UInt64) -> String { "\(run)-\(sequence)" }

    /// How a viewer joins: the messages after its last id, when the ring still holds them all;
    /// else the history from the store, ending with the id of now.
    enum Join {
        case resume([ByteBuffer])
        case history(newestID: UInt64, caughtUpID: String)
        case full
    }

    func join(_ sink: any StreamSink, lastEventID: String?) -> Join {
        state.withLock { state in
            guard state.viewers.count < maximumViewers else { return .full }
            state.viewers[ObjectIdentifier(sink)] = sink
            if let lastEventID, let sequence = resumable(lastEventID, state) {
                return .resume(state.ring.filter { $0.sequence > sequence }.map(\.frame))
            }
            return .history(newestID: store.totals.newestID, caughtUpID: id(state.sequence))
        }
    }

    private func resumable(_ lastEventID: String, _ state: State) -> UInt64? {
        let parts = lastEventID.split(separator: "-")
        guard parts.count == 2, parts[0] == run, let sequence = UInt64(parts[1]),
            sequence <= state.sequence, sequence + 1 >= state.ringStart
        else { return nil }
        return sequence
    }

    func leave(_ sink: any StreamSink) {
        state.withLock { state in
            if state.viewers.removeValue(forKey: ObjectIdentifier(sink)) != nil, state.viewers.isEmpty {
                state.lastLeft = WallClock.now()
            }
        }
    }
}

/// Where the hub hands a viewer's messages: its connection's bounded buffer.
protocol StreamSink: AnyObject, Sendable {
    func push(_ frame: ByteBuffer)
}
