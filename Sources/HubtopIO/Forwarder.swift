import DequeModule
import HubtopCore
import HubtopServer
import NIOCore
import Synchronization

/// `--forward URL`: relays each accepted delivery to downstream services, in the background.
///
/// Each target has its own bounded queue and one worker that sends in order, retrying with
/// exponential backoff. Enqueuing never blocks the listener: a full queue drops the delivery
/// (counted and shown on the event). Outcomes are recorded on the event (`Outcomes`). It relays
/// what it is given: `follow(_:)` feeds it the stream of accepted deliveries.
public final class Forwarder: DeliveryRelay {
    public struct Policy: Sendable {
        /// Deliveries waiting per target; beyond this new ones are dropped.
        public var queueLimit = 1000
        /// Body bytes waiting per target; beyond this new ones are dropped too.
        public var queueByteLimit = 64 << 20
        /// Attempts per delivery, the first included.
        public var maxAttempts = 5
        /// Wait before the second attempt; doubled each time, up to `maxDelay`.
        public var baseDelay: Duration = .milliseconds(500)
        public var maxDelay: Duration = .seconds(30)
        /// Per attempt.
        public var timeout: Int64 = 10

        public init() {}
    }

    /// One delivery to relay.
    public struct Delivery: Sendable {
        public var event: EventReference
        public var deliveryID: String
        public var body: [UInt8]
        public var contentType: String
        /// The sender's format headers (`X-GitHub-Event`, `ce-*`), sent along.
        public var formatHeaders: [(String, String)]

        public init(
            event: EventReference, deliveryID: String, body: [UInt8], contentType: String,
            formatHeaders: [(String, String)] = []
        ) {
            self.event = event
            self.deliveryID = deliveryID
            self.body = body
            self.contentType = contentType
            self.formatHeaders = formatHeaders
        }

        public init(eventID: UInt64, deliveryID: String, body: [UInt8], contentType: String) {
            self.init(event: .local(eventID), deliveryID: deliveryID, body: body, contentType: contentType)
        }
    }

    final class Target: Sendable {
        let url: String
        /// `host:port`: the label and the name shown (the path may hold a secret).
        let name: String
        let queue = Mutex<(deliveries: Deque<Delivery>, bytes: Int)>(([], 0))
        let wake: AsyncStream<Void>.Continuation
        let signals: AsyncStream<Void>

        init(url: String, name: String) {
            self.url = url
            self.name = name
            (signals, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        }
    }

    let targets: [Target]
    /// `forward`, or `notify` for chat messages: the outcomes' names say which.
    let kind: String
    let policy: Policy
    let outcomes: Outcomes
    let metrics: ListenerMetrics?
    /// The listener's `X-Hubtop-Origin`, sent along so that a target that is this hubtop
    /// refuses instead of looping; nil sends none (chat messages).
    let origin: String?
    private let workers = Mutex<[Task<Void, Never>]>([])

    /// Throws when a URL is not http(s).
    public init(
        urls: [String], policy: Policy = Policy(), store: EventStore, metrics: ListenerMetrics?,
        kind: String = "forward", origin: String? = nil, outcomes: Outcomes? = nil
    ) throws {
        self.kind = kind
        self.origin = origin
        var targets: [Target] = []
        for url in urls {
            let parsed = try HTTPPost.target(url)
            targets.append(Target(url: url, name: parsed.authority))
        }
        self.targets = targets
        self.policy = policy
        self.outcomes = outcomes ?? Outcomes(store: store)
        self.metrics = metrics
    }

    /// Relays every delivery `accepted` carries from now on.
    public func follow(_ accepted: AcceptedDeliveries) {
        accepted.observe { delivery in
            self.enqueue(
                Delivery(
                    event: delivery.event, deliveryID: delivery.deliveryID,
                    body: Array(delivery.body.readableBytesView), contentType: delivery.contentType,
                    formatHeaders: delivery.formatHeaders),
                now: delivery.receivedAt)
        }
    }

    /// Starts one worker per target.
    public func start() {
        workers.withLock { workers in
            guard workers.isEmpty else { return }
            workers = targets.map { target in Task { await self.run(target) } }
        }
    }

    /// Stops the workers; deliveries still queued are not sent.
    public func stop() {
        for target in targets { target.wake.finish() }
        workers.withLock { workers in
            for worker in workers { worker.cancel() }
            workers.removeAll()
        }
    }

    /// Deliveries waiting, by target name.
    public var queued: [String: Int] {
        Dictionary(targets.map { ($0.name, $0.queue.withLock { $0.deliveries.count }) }) { $0 + $1 }
    }

    func outcomeName(_ target: String) -> String { "\(kind) → \(target)" }

    /// Queues `delivery` for every target; returns at once.
    public func enqueue(_ delivery: Delivery, now: Double) {
        for target in targets { enqueue(delivery, now: now, only: target) }
    }

    /// Queues `delivery` for one target (a chat message's body depends on its target).
    func enqueue(_ delivery: Delivery, now: Double, only target: Target) {
        let accepted = target.queue.withLock { queue -> Bool in
            guard queue.deliveries.count < policy.queueLimit,
                queue.bytes + delivery.body.count <= policy.queueByteLimit
            else { return false }
            queue.deliveries.append(delivery)
            queue.bytes += delivery.body.count
            return true
        }
        if accepted {
            record(delivery, target, IntegrationOutcome.State.pending, attempts: 0, now: now)
            target.wake.yield()
        } else {
            record(
                delivery, target, .dropped, attempts: 0,
                detail:
                    "queue full (\(policy.queueLimit) deliveries or \(ByteSize.format(policy.queueByteLimit)) waiting)",
                now: now)
            metrics?.forwarded(target: target.name, outcome: .dropped)
        }
    }

    private func record(
        _ delivery: Delivery, _ target: Target, _ state: IntegrationOutcome.State, attempts: Int,
        status: Int? = nil, detail: String? = nil, now: Double
    ) {
        outcomes.record(
            delivery.event,
            IntegrationOutcome(
                name: outcomeName(target.name), state: state, attempts: attempts, status: status,
                detail: detail,
                at: now))
    }

    private func run(_ target: Target) async {
        for await _ in target.signals {
            while !Task.isCancelled,
                let delivery = target.queue.withLock({ queue -> Delivery? in
                    guard let first = queue.deliveries.popFirst() else { return nil }
                    queue.bytes -= first.body.count
                    return first
                })
            {
                await send(delivery, to: target)
            }
        }
    }

    /// Sends with retries: a 2xx is delivered; anything else (status or error) is retried until
    /// the attempts run out.
    private func send(_ delivery: Delivery, to target: Target) async {
        var delay = policy.baseDelay
        for attempt in 1...max(1, policy.maxAttempts) {
            var status: Int?
            var problem: String
            do {
                let response = try await HTTPPost.post(
                    url: target.url, body: delivery.body, contentType: delivery.contentType,
                    extraHeaders: delivery.formatHeaders + [("X-Hubtop-Delivery", delivery.deliveryID)]
                        + (origin.map { [("X-Hubtop-Origin", $0)] } ?? []),
                    timeout: .seconds(policy.timeout))
                status = response.status
                if (200..<300).contains(response.status) {
                    record(
                        delivery, target, .delivered, attempts: attempt, status: response.status,
                        now: WallClock.now())
                    metrics?.forwarded(target: target.name, outcome: .delivered)
                    return
                }
                problem = "HTTP \(response.status)"
            } catch {
                problem = "\(error)"
            }
            let last = attempt == policy.maxAttempts || Task.isCancelled
            record(
                delivery, target, last ? .failed : .retrying, attempts: attempt, status: status,
                detail: problem,
                now: WallClock.now())
            metrics?.forwarded(target: target.name, outcome: last ? .failed : .retrying)
            if last { return }
            try? await Task.sleep(for: delay)
            delay = min(policy.maxDelay, delay * 2)
        }
    }
}
