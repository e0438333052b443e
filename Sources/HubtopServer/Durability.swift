import HubtopCore
import NIOCore

/// How an admitted delivery becomes durable before it is answered: kept in this process's
/// store only, appended to the journal first, or committed to the shared database. The
/// webhook handler collects the body, admits it, hands it here and answers the outcome.
public protocol Durability: Sendable {
    /// Makes `delivery` durable; `completion` runs once, on any thread.
    func persist(_ delivery: AdmittedDelivery, completion: @escaping @Sendable (Persisted) -> Void)
    /// Members of `/healthz`'s object, written by the implementation; file paths and driver
    /// messages only when `detailed` (the request bore the metrics token).
    func health(_ writer: inout JSONWriter, detailed: Bool)
    /// A reason code while deliveries cannot be made durable (`/healthz` then answers `503`).
    var unavailableReason: String? { get }
    /// Gauges for `/metrics` (`hubtop_` is prefixed to each name).
    func gauges() -> [(name: String, help: String, value: Double)]
    /// The listener has stopped: make what was written durable now.
    func finish()
}

extension Durability {
    public func health(_ writer: inout JSONWriter, detailed: Bool) {}
    public var unavailableReason: String? { nil }
    public func gauges() -> [(name: String, help: String, value: Double)] { [] }
    public func finish() {}
}

/// A delivery the handler admitted: the body as received, what was decoded from it, and the
/// request for the inspector (kept only by a local store).
public struct AdmittedDelivery: Sendable {
    public var admission: Ingestor.Admission
    public var body: ByteBuffer
    public var contentType: String?
    public var receivedAt: Double
    /// The sender's address, as the journal records it.
    public var source: String?
    public var request: ReceivedRequest?

    public var payload: WebhookPayload { admission.payload }

    /// The body as the journal and the database keep it: after a line of its request's hints
    /// when its format needs them to be read again (any source but Docker Hub).
    public var storedBody: ByteBuffer {
        guard let hints = admission.hints else { return body }
        let line = hints.storedLine
        var stored = ByteBufferAllocator().buffer(capacity: line.count + body.readableBytes)
        stored.writeBytes(line)
        var copy = body
        stored.writeBuffer(&copy)
        return stored
    }
    public var delivery: DeliveryInfo? { admission.delivery }

    public init(
        admission: Ingestor.Admission, body: ByteBuffer, contentType: String? = nil, receivedAt: Double,
        source: String? = nil, request: ReceivedRequest? = nil
    ) {
        self.admission = admission
        self.body = body
        self.contentType = contentType
        self.receivedAt = receivedAt
        self.source = source
        self.request = request
    }
}

/// What became of a delivery handed to a `Durability`.
public enum Persisted: Sendable, Equatable {
    /// In this process's store: appended, or folded into the event it redelivers.
    case stored(StoreChange)
    /// In the shared history as event `id`, which has now had `deliveries` deliveries.
    case committed(id: Int64, deliveries: Int)
    /// Not durable: a reason code and why (not acknowledged: the sender retries).
    case failed(code: String, reason: String)
}

/// In memory only: durable as long as the process runs.
public struct MemoryDurability: Durability {
    let ingestor: Ingestor

    public init(_ ingestor: Ingestor) { self.ingestor = ingestor }

    public func persist(_ delivery: AdmittedDelivery, completion: @escaping @Sendable (Persisted) -> Void) {
        completion(
            .stored(
                ingestor.storeEvents(
                    delivery.admission, receivedAt: delivery.receivedAt, request: delivery.request,
                    answer: AnswerBody.stored)))
    }
}
