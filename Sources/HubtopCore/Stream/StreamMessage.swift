/// One message of a receiver's event stream (`GET /stream`, `hubtop stream`), as a viewer reads
/// it: an event (new, or one the viewer may hold already), a fold of a redelivery into one, or
/// word from the receiver.
public enum StreamMessage: Sendable {
    case event(StreamedEvent)
    /// Event `id` (the receiver's) now has `deliveries` deliveries: a count, not a step, so that
    /// reading it twice changes nothing.
    case fold(id: UInt64, deliveries: Int, lastDeliveredAt: Double)
    /// The first message of a connection: how much history follows.
    case hello(events: Int, newestID: UInt64)
    /// The history is all sent; what follows is live.
    case caughtUp
    /// A kind this viewer does not know (a newer receiver): skipped.
    case other(kind: String)
}

/// An event as the receiver stored it, with its id there.
public struct StreamedEvent: Sendable {
    public var id: UInt64
    public var receivedAt: Double
    public var deliveries: Int
    public var lastDeliveredAt: Double
    public var payload: WebhookPayload
    public var delivery: DeliveryInfo?

    /// As the receiver holds it (its id), for headless output.
    public var stored: StoredEvent {
        StoredEvent(
            id: id, receivedAt: receivedAt, deliveries: deliveries, lastDeliveredAt: lastDeliveredAt,
            payload: payload, delivery: delivery)
    }
}

/// Why a stream could not be read: said on the viewer's screen, never a crash.
public struct StreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
