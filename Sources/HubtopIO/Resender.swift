import HubtopCore
import HubtopServer
import NIOCore

/// `r` in the dashboard: sends one kept delivery again — to the `--forward` targets, or to a
/// URL the user typed — with its body and `Content-Type` as received and a new
/// `X-Hubtop-Delivery`. One attempt per target (the user can press `r` again); the outcome is
/// recorded on the event as `re-send → host:port`.
public final class Resender: Sendable {
    let store: EventStore
    let forwardURLs: [String]
    /// The listener's own address and origin mark: never a target.
    let listener: (host: String, port: Int)?
    let origin: String?
    let timeout: Int64

    public init(
        store: EventStore, forwardURLs: [String], listener: (host: String, port: Int)?, origin: String?,
        timeout: Int64 = 10
    ) {
        self.store = store
        self.forwardURLs = forwardURLs
        self.listener = listener
        self.origin = origin
        self.timeout = timeout
    }

    /// Checks the order and starts sending; returns what to tell the user at once. The outcome
    /// per target lands on the event in the store.
    public func resend(eventID: UInt64, request: ReceivedRequest, to typedURL: String?) -> String {
        guard request.bodyIsWhole else {
            return
                "not re-sent: the body was cut at \(ByteSize.format(ReceivedRequest.bodyByteLimit)) when kept"
        }
        let urls: [String]
        if let typedURL, !typedURL.isEmpty {
            urls = [typedURL]
        } else if forwardURLs.isEmpty {
            return "not re-sent: no --forward targets; press r and type a URL"
        } else {
            urls = forwardURLs
        }
        var targets: [(url: String, name: String)] = []
        for url in urls {
            let target: HTTPPost.Target
            do { target = try HTTPPost.target(url) } catch { return "not re-sent: \(error)" }
            if isListener(target) {
                return "not re-sent: \(target.authority) is this hubtop's own listener"
            }
            targets.append((url, target.authority))
        }
        let deliveryID = DeliveryIDs.next()
        let contentType = request.contentType ?? "application/json"
        var headers = [("X-Hubtop-Delivery", deliveryID)]
        if let origin { headers.append(("X-Hubtop-Origin", origin)) }
        for target in targets {
            let name = "re-send → \(target.name)"
            store.annotate(eventID, IntegrationOutcome(name: name, state: .pending, at: WallClock.now()))
            let started = NIODeadline.now()
            Task { [store, timeout, body = request.body] in
                var outcome = IntegrationOutcome(name: name, state: .failed, attempts: 1, at: 0)
                do {
                    let response = try await HTTPPost.post(
                        url: target.url, body: body, contentType: contentType, extraHeaders: headers,
                        timeout: .seconds(timeout))
                    outcome.status = response.status
                    outcome.state = (200..<300).contains(response.status) ? .delivered : .failed
                    outcome.detail = "HTTP \(response.status) in \(Self.milliseconds(since: started))"
                } catch {
                    outcome.detail = "\(error) after \(Self.milliseconds(since: started))"
                }
                outcome.at = WallClock.now()
                store.annotate(eventID, outcome)
            }
        }
        let what = targets.count == 1 ? targets[0].name : "\(targets.count) targets"
        return "re-sending delivery \(request.deliveryID) to \(what) as \(deliveryID)"
    }

    /// Whether a target is the address this hubtop listens on (any local name for it).
    func isListener(_ target: HTTPPost.Target) -> Bool {
        guard let listener, target.port == listener.port else { return false }
        let local: Set<String> = [
            "localhost", "127.0.0.1", "::1", "0.0.0.0", "::", listener.host.lowercased(),
        ]
        return local.contains(target.host) || target.host.hasPrefix("127.")
    }

    static func milliseconds(since start: NIODeadline) -> String {
        DurationText.short(Double((NIODeadline.now() - start).nanoseconds) / 1e9)
    }
}
