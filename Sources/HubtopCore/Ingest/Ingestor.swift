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

    /// Decodes a body (of any format hubtop reads) and checks it against the allowlist. A stored
    /// body (journal, database) carries its request's hints on a line of its own; a body from
    /// the listener comes with `hints` taken from its headers.
    func admit(
        _ body: UnsafeBufferPointer<UInt8>, delivery: DeliveryInfo?, hints: DeliveryHints?
    ) throws(PayloadError) -> Admission {
        var (hints, body) = (hints, body)
        if hints == nil { (hints, body) = DeliveryHints.split(body) }
        let decoded = try WebhookDecoder.decode(body, hints: hints, cache: repositories)
        guard let allowlist else {
            return Admission(
                decoded: decoded, delivery: delivery, hints: decoded.format == .dockerHub ? nil : hints)
        }
        var admitted: GlobPattern?
        for payload in decoded.events {
            guard let pattern = allowlist.admit(payload.repository.repoName) else {
                throw PayloadError(
                    .repositoryNotAllowed,
                    "repository \(payload.repository.repoName) is not in --allow-repo "
                        + allowlist.patterns.map(\.description).joined(separator: ", "))
            }
            admitted = admitted ?? pattern
        }
        var allowed = decoded
        allowed.pulls = decoded.pulls.filter { allowlist.admit($0.repository) != nil }
        allowed.children = decoded.children.filter { allowlist.admit($0.repository) != nil }
        let info = admitted.map { (delivery ?? DeliveryInfo(origin: .webhook)).allowed(by: $0.description) }
        return Admission(
            decoded: allowed, delivery: info ?? delivery, hints: decoded.format == .dockerHub ? nil : hints)
    }

    /// Decodes and stores a body. A refused body is counted under its reason.
    public func ingest(
        _ body: UnsafeBufferPointer<UInt8>, receivedAt: Double, delivery: DeliveryInfo? = nil
    ) -> Result<StoreChange?, PayloadError> {
        switch admit(body, delivery: delivery) {
        case .success(let admission): return .success(store(admission, receivedAt: receivedAt))
        case .failure(let error): return .failure(error)
        }
    }

    /// A decoded delivery that passed the allowlist, waiting to be stored (after the journal
    /// has it, when there is one).
    public struct Admission: Sendable {
        /// The events to store: usually one; none for what is acknowledged and not shown (a blob,
        /// a pull, a ping); several when an envelope carried several.
        public var payloads: [WebhookPayload] { first.map { [$0] + more } ?? [] }
        /// The first event and the rest (no array for the usual one).
        let first: WebhookPayload?
        let more: [WebhookPayload]
        public var isEmpty: Bool { first == nil }
        public let delivery: DeliveryInfo?
        public let format: WebhookFormat
        /// What the request said beyond its body: kept with the body (nil for Docker Hub's).
        public let hints: DeliveryHints?
        public let pulls: [PullCount]
        public let children: [ChildManifest]
        /// Why nothing is stored, when nothing is.
        public let note: String?
        public let ping: String?

        init(decoded: DecodedDelivery, delivery: DeliveryInfo?, hints: DeliveryHints?) {
            first = decoded.first
            more = decoded.more
            self.delivery = delivery
            format = decoded.format
            self.hints = hints
            pulls = decoded.pulls
            children = decoded.children
            note = decoded.note
            ping = decoded.ping
        }

        /// The first event (only for an admission with events).
        public var payload: WebhookPayload { first! }

        /// Each event, in order.
        func eachPayload(_ body: (WebhookPayload) -> Void) {
            guard let first else { return }
            body(first)
            for payload in more { body(payload) }
        }
    }

    /// Decodes and checks a body without storing it. A refused body is counted under its reason.
    public func admit(
        _ body: UnsafeBufferPointer<UInt8>, delivery: DeliveryInfo?, hints: DeliveryHints? = nil
    ) -> Result<Admission, PayloadError> {
        do {
            return .success(try admit(body, delivery: delivery, hints: hints))
        } catch {
            rejections.count(error.kind.rawValue)
            return .failure(error)
        }
    }

    /// Stores what `admit` let through, and the request it came in (for the inspector); nil when
    /// it held no event to store (its pulls are counted, its ping noted).
    @discardableResult
    public func store(
        _ admission: Admission, receivedAt: Double, request: ReceivedRequest? = nil,
        answer: (StoreChange) -> String? = { _ in nil }
    ) -> StoreChange? {
        store.note(pulls: admission.pulls, ping: admission.ping, children: admission.children, at: receivedAt)
        var first: StoreChange?
        admission.eachPayload { payload in
            let change = store.ingest(
                payload, receivedAt: receivedAt, delivery: admission.delivery,
                request: first == nil ? request : nil, answer: answer)
            first = first ?? change
        }
        return first
    }

    /// Stores an admission that holds events (what a listener makes durable; the rest is
    /// answered without it).
    public func storeEvents(
        _ admission: Admission, receivedAt: Double, request: ReceivedRequest?,
        answer: (StoreChange) -> String?
    ) -> StoreChange {
        guard let change = store(admission, receivedAt: receivedAt, request: request, answer: answer)
        else { preconditionFailure("an admission without events is not stored") }
        return change
    }

    public func ingest(
        _ body: [UInt8], receivedAt: Double, delivery: DeliveryInfo? = nil
    ) -> Result<StoreChange?, PayloadError> {
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
