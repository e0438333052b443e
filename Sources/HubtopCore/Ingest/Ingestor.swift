import Synchronization

/// The one path from a request body to the store, shared by the listener, `--demo` and replay.
public final class Ingestor: Sendable {
    public let store: EventStore
    public let rejections: RejectionCounter
    /// `--allow-repo`; nil accepts every repository.
    public let allowlist: RepositoryAllowlist?
    /// Repository objects decoded before: a repository's deliveries repeat it byte for byte.
    let repositories = RepositoryCache()

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
        let payload = try PayloadDecoder.decode(body, cache: repositories)
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

    /// A decoded delivery that passed the allowlist, waiting to be stored (after the journal
    /// has it, when there is one).
    public struct Admission: Sendable {
        public let payload: WebhookPayload
        public let delivery: DeliveryInfo?
    }

    /// Decodes and checks a body without storing it. A refused body is counted under its reason.
    public func admit(_ body: UnsafeBufferPointer<UInt8>, delivery: DeliveryInfo?) -> Result<
        Admission, PayloadError
    > {
        do {
            let (payload, info) = try admit(body, delivery: delivery)
            return .success(Admission(payload: payload, delivery: info))
        } catch {
            rejections.count(error.kind.rawValue)
            return .failure(error)
        }
    }

    /// Stores what `admit` let through, and the request it came in (for the inspector).
    public func store(
        _ admission: Admission, receivedAt: Double, request: ReceivedRequest? = nil,
        answer: (StoreChange) -> String? = { _ in nil }
    ) -> StoreChange {
        store.ingest(
            admission.payload, receivedAt: receivedAt, delivery: admission.delivery, request: request,
            answer: answer)
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
