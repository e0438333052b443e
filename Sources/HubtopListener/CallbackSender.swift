import HubtopCore

/// Legacy `callback_url` support, done safely.
///
/// Docker Hub no longer honours callbacks, but older and self-hosted setups may. A payload is
/// unsigned, so its `callback_url` is untrusted: hubtop only calls `https` URLs on hosts in the
/// allowlist (default `registry.hub.docker.com`), so a forged payload cannot make it call
/// arbitrary addresses.
public final class CallbackSender: Sendable {
    public enum State: String, Sendable, CaseIterable {
        case success
        case failure
        case error
    }

    public struct Policy: Sendable {
        public var allowedHosts: Set<String> = ["registry.hub.docker.com"]
        /// For tests against a local receiver: allow `http://` to allowed hosts.
        public var allowPlainHTTP = false
        public var context = "hubtop"
        public var timeout: Int64 = 10

        public init() {}
    }

    public static let outcomeName = "callback"

    let policy: Policy
    let store: EventStore
    let metrics: ListenerMetrics?

    public init(policy: Policy = Policy(), store: EventStore, metrics: ListenerMetrics? = nil) {
        self.policy = policy
        self.store = store
        self.metrics = metrics
    }

    /// Why `url` may not be called, or nil when it may.
    public func refusal(_ url: String) -> String? {
        guard let target = try? HTTPPost.target(url) else { return "not an http(s) URL" }
        if !target.secure && !policy.allowPlainHTTP { return "not https" }
        guard policy.allowedHosts.contains(target.host) else {
            return "host \(target.host) is not in --callback-host"
        }
        return nil
    }

    /// The JSON body Docker Hub's callback API takes.
    public func body(for event: StoredEvent, state: State) -> [UInt8] {
        let tag = event.tag.map { ":" + $0 } ?? ""
        let description = "hubtop received \(event.repoName)\(tag) pushed by \(event.pusher ?? "unknown")"
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("state")
        writer.string(state.rawValue)
        writer.key("description")
        writer.string(String(description.prefix(255)))
        writer.key("context")
        writer.string(String(policy.context.prefix(100)))
        if let url = event.payload.repository.repoURL, url.lowercased().hasPrefix("https://") {
            writer.key("target_url")
            writer.string(url)
        }
        writer.endObject()
        return writer.bytes
    }

    /// Calls the event's `callback_url` with `state` and records the outcome on the event.
    public func send(eventID: UInt64, state: State) async {
        guard let event = store.event(id: eventID) else { return }
        func record(_ outcome: IntegrationOutcome.State, status: Int? = nil, detail: String?) {
            store.annotate(
                eventID,
                IntegrationOutcome(
                    name: Self.outcomeName, state: outcome, attempts: outcome == .refused ? 0 : 1,
                    status: status,
                    detail: detail, at: WallClock.now()))
            metrics?.callback(outcome: outcome)
        }
        guard let url = event.payload.callbackURL, !url.isEmpty else {
            return record(.refused, detail: "the payload has no callback_url")
        }
        if let refusal = refusal(url) { return record(.refused, detail: "\(state.rawValue): \(refusal)") }
        do {
            let response = try await HTTPPost.post(
                url: url, body: body(for: event, state: state), timeout: .seconds(policy.timeout))
            let ok = (200..<300).contains(response.status)
            record(ok ? .delivered : .failed, status: response.status, detail: state.rawValue)
        } catch {
            record(.failed, detail: "\(state.rawValue): \(error)")
        }
    }
}
