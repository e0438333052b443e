import Synchronization

/// The one path from a request body to the store, shared by the listener, `--demo` and replay.
public final class Ingestor: Sendable {
    public let store: EventStore
    public let rejections: RejectionCounter
    /// `--allow-repo`; nil accepts every repository.
    public let allowlist: RepositoryAllowlist?

    public init(
        store: EventStore, rejections: RejectionCounter = RejectionCounter(),
        allowlist: RepositoryAllowlist? = nil
    ) {
        self.store = store
        self.rejections = rejections
        self.allowlist = allowlist
    }

    /// Decodes a body and checks it against the allowlist; returns the payload and the delivery
    /// information to store with it.
    func admit(_ body: UnsafeBufferPointer<UInt8>, delivery: DeliveryInfo?) throws(PayloadError) -> (
        WebhookPayload, DeliveryInfo?
    ) {
        let payload = try PayloadDecoder.decode(body)
        guard let allowlist else { return (payload, delivery) }
        guard let pattern = allowlist.admit(payload.repository.repoName) else {
            throw PayloadError(
                .repositoryNotAllowed,
                "repository \(payload.repository.repoName) is not in --allow-repo "
                    + allowlist.patterns.map(\.description).joined(separator: ", "))
        }
        return (payload, (delivery ?? DeliveryInfo(origin: .webhook)).allowed(by: pattern.description))
    }

    /// Decodes and stores a body. A refused body is counted under its reason.
    public func ingest(
        _ body: UnsafeBufferPointer<UInt8>, receivedAt: Double, delivery: DeliveryInfo? = nil
    ) -> Result<StoreChange, PayloadError> {
        do {
            let (payload, info) = try admit(body, delivery: delivery)
            return .success(store.ingest(payload, receivedAt: receivedAt, delivery: info))
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
        _ body: UnsafeBufferPointer<UInt8>, receivedAt: Double, delivery: DeliveryInfo? = nil,
        persist: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) -> Outcome {
        let payload: WebhookPayload
        let info: DeliveryInfo?
        do {
            (payload, info) = try admit(body, delivery: delivery)
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
        return .stored(store.ingest(payload, receivedAt: receivedAt, delivery: info))
    }

    public func ingest(
        _ body: [UInt8], receivedAt: Double, delivery: DeliveryInfo? = nil
    ) -> Result<StoreChange, PayloadError> {
        body.withUnsafeBufferPointer { ingest($0, receivedAt: receivedAt, delivery: delivery) }
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
