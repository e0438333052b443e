/// An event another process already received and counted (a row of team mode's shared
/// history): stored with its deliveries so far, not counted again.
public struct CountedEvent: Sendable {
    public var payload: WebhookPayload
    public var receivedAt: Double
    public var delivery: DeliveryInfo?
    public var deliveries: Int
    public var lastDeliveredAt: Double

    public init(
        payload: WebhookPayload, receivedAt: Double, delivery: DeliveryInfo?, deliveries: Int,
        lastDeliveredAt: Double
    ) {
        self.payload = payload
        self.receivedAt = receivedAt
        self.delivery = delivery
        self.deliveries = deliveries
        self.lastDeliveredAt = lastDeliveredAt
    }
}
