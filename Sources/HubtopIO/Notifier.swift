import HubtopCore
import HubtopServer
import Synchronization

/// `--notify URL`: a short message per new event matching `--notify-filter` to a chat's
/// incoming webhook or an ntfy topic, at most `perMinute` a minute (beyond that skipped and
/// counted), with the forwarder's queue, retries and outcomes (`notify → host` in the detail).
public final class Notifier: Sendable {
    let forwarder: Forwarder
    let formats: [String: ChatMessage.Format]
    let template: String
    let filter: NamePattern?
    let store: EventStore
    let perMinute: Double
    /// Team mode: only for events whose first delivery this receiver committed.
    let ownDeliveriesOnly: Bool
    private let bucket: Mutex<(tokens: Double, at: Double)>
    private let skipped = Mutex(0)

    /// Throws when a URL is not http(s).
    public init(
        urls: [String], format: ChatMessage.Format?, template: String?, filter: String?,
        perMinute: Double = 20,
        store: EventStore, metrics: ListenerMetrics?, ownDeliveriesOnly: Bool = false
    ) throws {
        var policy = Forwarder.Policy()
        policy.queueLimit = 100
        forwarder = try Forwarder(urls: urls, policy: policy, store: store, metrics: metrics, kind: "notify")
        var formats: [String: ChatMessage.Format] = [:]
        for target in forwarder.targets {
            formats[target.url] = format ?? ChatMessage.Format.guess(host: target.name)
        }
        self.formats = formats
        self.template = template ?? ChatMessage.defaultTemplate
        self.filter = filter.map(NamePattern.init)
        self.store = store
        self.perMinute = perMinute
        self.ownDeliveriesOnly = ownDeliveriesOnly
        bucket = Mutex((perMinute, 0))
    }

    /// Starts sending for the store's new events.
    public func start() {
        forwarder.start()
        store.observe { change in
            guard case .appended(let id) = change else { return }
            self.notify(id, now: WallClock.now())
        }
    }

    public func stop() { forwarder.stop() }

    /// Events not announced because of the rate limit.
    public var skippedCount: Int { skipped.withLock { $0 } }

    func notify(_ id: UInt64, now: Double) {
        guard let event = store.event(id: id) else { return }
        if let filter, !filter.matches(event.repoName) { return }
        if ownDeliveriesOnly, !DeliveryIDs.isOwn(event.delivery?.deliveryID) { return }
        let allowed = bucket.withLock { bucket -> Bool in
            bucket.tokens = min(perMinute, bucket.tokens + (now - bucket.at) * perMinute / 60)
            bucket.at = now
            guard bucket.tokens >= 1 else { return false }
            bucket.tokens -= 1
            return true
        }
        guard allowed else {
            skipped.withLock { $0 += 1 }
            store.annotate(
                id,
                IntegrationOutcome(
                    name: "notify", state: .dropped, detail: "over --notify-rate \(Int(perMinute))/min",
                    at: now))
            return
        }
        let digest = store.image(of: id)?.digest
        for target in forwarder.targets {
            let format = formats[target.url] ?? .slack
            let text = ChatMessage.text(template, event, digest: digest, format: format)
            forwarder.enqueue(
                Forwarder.Delivery(
                    eventID: id, deliveryID: DeliveryIDs.next(),
                    body: ChatMessage.body(text, event, format: format),
                    contentType: format.contentType),
                now: now, only: target)
        }
    }
}
