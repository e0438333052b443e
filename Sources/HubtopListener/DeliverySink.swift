import HubtopCore

/// Where an accepted delivery is made durable instead of the local store (team mode: a shared
/// database). The listener answers `200` only once `commit` says it is committed, and `503`
/// with `Retry-After` when it cannot be.
public protocol DeliverySink: Sendable {
    func commit(_ delivery: SinkDelivery, completion: @escaping @Sendable (SinkOutcome) -> Void)
    /// What `/healthz` shows of it: a JSON object's members, written by the sink; driver
    /// messages only when `detailed` (the request bore the metrics token).
    func health(_ writer: inout JSONWriter, detailed: Bool)
    /// A reason code while commits fail (`/healthz` then answers `503`); nil while they succeed.
    var unavailableReason: String? { get }
    /// Gauges for `/metrics` (`hubtop_` is prefixed to each name).
    func gauges() -> [(name: String, help: String, value: Double)]
}

/// An admitted delivery: the body as received and what was decoded from it.
public struct SinkDelivery: Sendable {
    public var body: [UInt8]
    public var payload: WebhookPayload
    public var delivery: DeliveryInfo?
    public var receivedAt: Double

    public init(body: [UInt8], payload: WebhookPayload, delivery: DeliveryInfo?, receivedAt: Double) {
        self.body = body
        self.payload = payload
        self.delivery = delivery
        self.receivedAt = receivedAt
    }
}

public enum SinkOutcome: Sendable, Equatable {
    /// Committed as event `id` of the shared history, which has now had `deliveries` deliveries.
    case committed(id: Int64, deliveries: Int)
    case failed(String)
}
