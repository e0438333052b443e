import HubtopCore
import Prometheus
import Synchronization

/// `GET /metrics`: Prometheus counters and gauges for the listener, the store, forwarding and
/// the journal.
///
/// Events are counted as they happen; totals that the store and the rejection counter already
/// keep are brought over at each scrape, as increments of what changed since the last one.
public final class ListenerMetrics: Sendable {
    /// Repositories beyond this many get the label `_other`, so a flood of made-up names cannot
    /// grow the metrics without bound.
    public static let repositoryLabelLimit = 100
    public static let otherRepository = "_other"

    private let registry = PrometheusCollectorRegistry()
    private let labelled = Mutex<Set<String>>([])
    private let synced = Mutex<Synced>(Synced())

    private struct Synced {
        var rejections: [String: Int] = [:]
        var folded = 0
        var evicted = 0
    }

    public init() {}

    /// `hubtop_<name>_<unit>` with its help text.
    static func metric(_ name: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hubtop", metricName: name, unitName: unit, helpText: help)
    }

    /// One delivery accepted for `repository` (stored or folded).
    public func accepted(repository: String) {
        let label = labelled.withLock { names -> String in
            if names.contains(repository) { return repository }
            guard names.count < Self.repositoryLabelLimit else { return Self.otherRepository }
            names.insert(repository)
            return repository
        }
        registry.makeCounter(
            descriptor: Self.metric(
                "events_accepted", unit: "total",
                "Deliveries accepted over HTTP, by repository (at most 100 labels, then _other)."),
            labels: [("repository", label)]
        ).increment()
    }

    public func forwarded(target: String, outcome: IntegrationOutcome.State) {
        registry.makeCounter(
            descriptor: Self.metric(
                "forward", unit: "total", "Forwarding attempts and their outcomes, by target host:port."),
            labels: [("target", target), ("outcome", outcome.rawValue)]
        ).increment()
    }

    public func journalError() {
        registry.makeCounter(
            descriptor: Self.metric(
                "journal_errors", unit: "total",
                "Deliveries refused because the journal could not be written.")
        ).increment()
    }

    /// The Prometheus text exposition, after bringing the store's totals up to date.
    public func render(store: EventStore, rejections: RejectionCounter, forwardQueued: [String: Int])
        -> [UInt8]
    {
        let totals = store.totals
        let reasons = rejections.byReason
        let deltas = synced.withLock { synced -> (rejections: [String: Int], folded: Int, evicted: Int) in
            var changed: [String: Int] = [:]
            for (reason, count) in reasons where count > synced.rejections[reason, default: 0] {
                changed[reason] = count - synced.rejections[reason, default: 0]
                synced.rejections[reason] = count
            }
            let folded = totals.folded - synced.folded
            let evicted = totals.evicted - synced.evicted
            synced.folded = totals.folded
            synced.evicted = totals.evicted
            return (changed, folded, evicted)
        }
        for (reason, delta) in deltas.rejections {
            registry.makeCounter(
                descriptor: Self.metric(
                    "rejections", unit: "total", "Requests refused, by reason (as in /healthz)."),
                labels: [("reason", reason)]
            ).increment(by: Int64(delta))
        }
        let folded = registry.makeCounter(
            descriptor: Self.metric(
                "deliveries_folded", unit: "total", "Redeliveries folded into an event already stored."))
        if deltas.folded > 0 { folded.increment(by: Int64(deltas.folded)) }
        let evicted = registry.makeCounter(
            descriptor: Self.metric(
                "store_evictions", unit: "total", "Events evicted to stay within --max-events."))
        if deltas.evicted > 0 { evicted.increment(by: Int64(deltas.evicted)) }
        registry.makeGauge(descriptor: Self.metric("store_events", "Events in the store.")).set(
            Int64(totals.events))
        registry.makeGauge(
            descriptor: Self.metric("store_repositories", "Repositories with events in the store.")
        )
        .set(Int64(totals.repositories))
        for (target, queued) in forwardQueued {
            registry.makeGauge(
                descriptor: Self.metric("forward_queue", "Deliveries waiting to be forwarded, by target."),
                labels: [("target", target)]
            ).set(Int64(queued))
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        return buffer
    }
}
