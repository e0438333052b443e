import Synchronization

/// The one path from a request body to the store, shared by the listener, `--demo` and replay.
public final class Ingestor: Sendable {
    public let store: EventStore
    public let rejections: RejectionCounter

    public init(store: EventStore, rejections: RejectionCounter = RejectionCounter()) {
        self.store = store
        self.rejections = rejections
    }

    /// Decodes and stores a body. A refused body is counted under its reason.
    public func ingest(_ body: UnsafeBufferPointer<UInt8>, receivedAt: Double) -> Result<
        StoreChange, PayloadError
    > {
        do {
            let payload = try PayloadDecoder.decode(body)
            return .success(store.ingest(payload, receivedAt: receivedAt))
        } catch {
            rejections.count(error.kind.rawValue)
            return .failure(error)
        }
    }

    /// What happened to a delivery that must be persisted before it is stored.
    public enum Outcome: Sendable, Equatable {
        case stored(StoreChange)
        case refused(PayloadError)
        /// Decoded, but `persist` failed: not stored, not to be acknowledged.
        case notPersisted(String)
    }

    /// Decodes, then calls `persist` (the journal) with the body, and stores only if that worked.
    public func ingest(
        _ body: UnsafeBufferPointer<UInt8>, receivedAt: Double,
        persist: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) -> Outcome {
        let payload: WebhookPayload
        do {
            payload = try PayloadDecoder.decode(body)
        } catch {
            rejections.count(error.kind.rawValue)
            return .refused(error)
        }
        do {
            try persist(body)
        } catch {
            rejections.count("journal_unavailable")
            return .notPersisted("\(error)")
        }
        return .stored(store.ingest(payload, receivedAt: receivedAt))
    }

    public func ingest(_ body: [UInt8], receivedAt: Double) -> Result<StoreChange, PayloadError> {
        body.withUnsafeBufferPointer { ingest($0, receivedAt: receivedAt) }
    }
}

/// Rejected requests by reason (`invalid_payload`, `body_too_large`, `not_found`, …).
public final class RejectionCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    public func count(_ reason: String) {
        counts.withLock { $0[reason, default: 0] += 1 }
    }

    public var byReason: [String: Int] { counts.withLock { $0 } }
    public var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}
