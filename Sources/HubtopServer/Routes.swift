import HubtopCore
import NIOHTTP1

/// Where a request goes, decided from its head alone.
enum Route {
    /// A delivery, with how its token came (path or header).
    case hook(SenderProof)
    /// A CloudEvents validation handshake (`OPTIONS` with `WebHook-Request-Origin`): allowed.
    case handshake(origin: String)
    /// `detailed`: the metrics token came with it, so paths and driver messages may be shown.
    case health(detailed: Bool)
    case metrics
    /// `GET /stream` with the viewer token: the event stream, resumed after `lastEventID`.
    case stream(lastEventID: String?)
    /// `GET /stream/requests/<id>` with the viewer token: an event's raw requests (the inspector).
    case streamRequests(UInt64)
    /// Answer this once the request ends, ignoring its body.
    case refuse(HTTPResponseStatus, reason: String, detail: String, headers: [(String, String)])
}

extension Router {
    /// The request target with the webhook token replaced, for display.
    static func maskedPath(_ uri: String) -> String {
        guard uri.hasPrefix("/hook/") else { return uri }
        let rest = uri.dropFirst("/hook/".count)
        let end = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        return "/hook/<token>" + rest[end...]
    }
}

/// Decides each request's route: `/hook/<token>`, `/healthz`, `/metrics`, or a refusal.
struct Router {
    let configuration: ListenerConfiguration

    func route(for head: HTTPRequestHead) -> Route {
        var path = head.uri[...]
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        if path == "/metrics", configuration.metrics != nil {
            guard head.method == .GET || head.method == .HEAD else {
                return .refuse(
                    .methodNotAllowed, reason: "method_not_allowed", detail: "use GET",
                    headers: [("Allow", "GET")])
            }
            // Its own token: a Prometheus configuration never holds the webhook secret.
            if !configuration.metricsPublic && !carriesMetricsToken(head) {
                return .refuse(
                    .unauthorized, reason: "unauthorized",
                    detail: configuration.metricsToken == nil
                        ? "/metrics is closed: start hubtop with --metrics-token (or --metrics-public)"
                        : "/metrics needs Authorization: Bearer <metrics token>",
                    headers: [("WWW-Authenticate", "Bearer")])
            }
            return .metrics
        }
        if path == "/stream" || path.hasPrefix("/stream/requests/") { return streamRoute(head, path: path) }
        if path == "/healthz" {
            if head.method == .GET || head.method == .HEAD {
                return .health(detailed: carriesMetricsToken(head))
            }
            return .refuse(
                .methodNotAllowed, reason: "method_not_allowed", detail: "use GET",
                headers: [("Allow", "GET")])
        }
        if path == "/hook" || path.hasPrefix("/hook/") {
            var token = path.dropFirst("/hook".count).drop { $0 == "/" }
            if token.hasSuffix("/") { token = token.dropLast() }
            // Senders that can set a static header (a registry's notification endpoint) may give
            // the token as `Authorization: Bearer <token>`; given both ways, the two must agree.
            let bearer = Self.bearer(head)
            let proof: SenderProof = token.isEmpty ? .headerToken : .urlToken
            if token.isEmpty, let bearer { token = bearer }
            // A wrong token must look exactly like any unknown path.
            guard WebhookToken.matches(token, configuration.token),
                bearer.map({ WebhookToken.matches($0, configuration.token) }) ?? true
            else { return notFound }
            if head.method == .OPTIONS, let origin = head.headers.first(name: "webhook-request-origin") {
                return .handshake(origin: String(origin.prefix(255)))
            }
            if head.method != .POST {
                return .refuse(
                    .methodNotAllowed, reason: "method_not_allowed",
                    detail: "webhooks are delivered with POST",
                    headers: [("Allow", "POST, OPTIONS")])
            }
            return .hook(proof)
        }
        return notFound
    }

    /// The stream reads with its own token only: the webhook token (which senders hold) cannot.
    func streamRoute(_ head: HTTPRequestHead, path: Substring) -> Route {
        guard let expected = configuration.viewerToken, configuration.viewers != nil else { return notFound }
        guard head.method == .GET else {
            return .refuse(
                .methodNotAllowed, reason: "method_not_allowed", detail: "use GET",
                headers: [("Allow", "GET")])
        }
        guard let token = Self.bearer(head), WebhookToken.matches(token, expected) else {
            return .refuse(
                .unauthorized, reason: "unauthorized",
                detail: Self.bearer(head) == nil
                    ? "/stream needs Authorization: Bearer <viewer token>" : "that is not the viewer token",
                headers: [("WWW-Authenticate", "Bearer")])
        }
        if path.hasPrefix("/stream/requests/") {
            guard let id = UInt64(path.dropFirst("/stream/requests/".count)) else { return notFound }
            return .streamRequests(id)
        }
        return .stream(lastEventID: head.headers.first(name: "last-event-id").map { String($0.prefix(256)) })
    }

    /// Whether the request bears `Authorization: Bearer <metrics token>`.
    func carriesMetricsToken(_ head: HTTPRequestHead) -> Bool {
        guard let expected = configuration.metricsToken, let token = Self.bearer(head) else { return false }
        return WebhookToken.matches(token, expected)
    }

    /// The token of an `Authorization: Bearer <token>` header, if the request has one.
    static func bearer(_ head: HTTPRequestHead) -> Substring? {
        guard let credentials = head.headers.first(name: "authorization"),
            credentials.lowercased().hasPrefix("bearer ")
        else { return nil }
        return credentials.dropFirst(7).drop { $0 == " " }[...]
    }

    var notFound: Route {
        .refuse(.notFound, reason: "not_found", detail: "no such endpoint", headers: [])
    }
}

/// `GET /healthz`: whether deliveries can be taken, what the store holds and what was refused,
/// as JSON. `503` with `"status":"degraded"` and a reason code while deliveries would get `503`
/// (a load balancer must take the receiver out of rotation); file paths and driver messages only
/// for a request with the metrics token.
enum HealthResponder {
    /// Why deliveries cannot be made durable now, as a reason code; nil while they can.
    static func degradedReason(_ configuration: ListenerConfiguration) -> String? {
        configuration.durability?.unavailableReason
    }

    static func json(ingestor: Ingestor, configuration: ListenerConfiguration, detailed: Bool) -> String {
        let totals = ingestor.store.totals
        let rejections = ingestor.rejections.byReason
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("status")
        if let reason = degradedReason(configuration) {
            writer.string("degraded")
            writer.key("reason")
            writer.string(reason)
        } else {
            writer.string("ok")
        }
        writer.key("events")
        writer.integer(totals.events)
        writer.key("repositories")
        writer.integer(totals.repositories)
        writer.key("rejected")
        writer.integer(rejections.values.reduce(0, +))
        writer.key("evicted")
        writer.integer(totals.evicted)
        writer.key("folded")
        writer.integer(totals.folded)
        writer.key("accepted")
        writer.integer(totals.accepted)
        writer.key("store_bytes")
        writer.integer(totals.bytes)
        if let viewers = configuration.viewers {
            writer.key("viewers")
            writer.integer(viewers.viewers)
        }
        if let dropped = configuration.outputDropped {
            writer.key("output_dropped")
            writer.integer(dropped())
        }
        configuration.durability?.health(&writer, detailed: detailed)
        writer.key("rejections")
        writer.beginObject()
        for (reason, count) in rejections.sorted(by: { $0.key < $1.key }) {
            writer.key(reason)
            writer.integer(count)
        }
        writer.endObject()
        writer.endObject()
        return writer.text
    }
}

/// `GET /metrics`: the Prometheus text.
enum MetricsResponder {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func text(ingestor: Ingestor, configuration: ListenerConfiguration) -> [UInt8] {
        var text =
            configuration.metrics?.render(
                store: ingestor.store, rejections: ingestor.rejections,
                forwardQueued: configuration.relay?.queued ?? [:]) ?? []
        var gauges = configuration.durability?.gauges() ?? []
        if let viewers = configuration.viewers {
            gauges.append(
                (name: "viewers", help: "Viewers attached to GET /stream.", value: Double(viewers.viewers)))
        }
        for gauge in gauges {
            text += Array(
                "# HELP hubtop_\(gauge.name) \(gauge.help)\n# TYPE hubtop_\(gauge.name) gauge\nhubtop_\(gauge.name) \(gauge.value)\n"
                    .utf8)
        }
        return text
    }
}
