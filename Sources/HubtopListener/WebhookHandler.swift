import HubtopCore
import NIOCore
import NIOHTTP1
import Synchronization

/// Ids for deliveries: a random prefix per process and a sequence number.
enum DeliveryIDs {
    static let prefix = String(WebhookToken.random().prefix(8))
    static let sequence = Atomic<UInt64>(0)

    static func next() -> String {
        "\(prefix)-\(sequence.wrappingAdd(1, ordering: .relaxed).newValue)"
    }
}

/// Routes and answers one connection's requests. Bodies are collected up to the limit and then
/// handed to the shared `Ingestor`; anything refused gets a JSON error body.
final class WebhookHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Route {
        case hook
        case health
        case metrics
        /// Answer this once the request ends, ignoring its body.
        case refuse(HTTPResponseStatus, reason: String, detail: String, headers: [(String, String)])
    }

    private let configuration: ListenerConfiguration
    private let ingestor: Ingestor
    private var route: Route?
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// Set once a response was sent early (413): the rest of the request is dropped.
    private var answeredEarly = false
    private var quiescing = false

    private let deadline: RequestDeadlineHandler?
    private let rateLimiter: RateLimiter?

    init(
        configuration: ListenerConfiguration, ingestor: Ingestor, deadline: RequestDeadlineHandler? = nil,
        rateLimiter: RateLimiter? = nil
    ) {
        self.configuration = configuration
        self.ingestor = ingestor
        self.deadline = deadline
        self.rateLimiter = rateLimiter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            answeredEarly = false
            if let refusal = screen(head, context: context) {
                return refuseEarly(context: context, refusal)
            }
            route = self.route(for: head)
            if case .hook = route {
                body = context.channel.allocator.buffer(capacity: 2048)
                if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                    context.writeAndFlush(
                        wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))),
                        promise: nil)
                }
            }
        case .body(var chunk):
            guard !answeredEarly, case .hook = route else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > configuration.maxBodyBytes {
                return refuseTooLarge(context: context)
            }
            body?.writeBuffer(&chunk)
        case .end:
            guard !answeredEarly, let route, let head else { return }
            finish(route, head: head, context: context)
        }
    }

    private func route(for head: HTTPRequestHead) -> Route {
        var path = head.uri[...]
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        if path == "/metrics", configuration.metrics != nil {
            guard head.method == .GET || head.method == .HEAD else {
                return .refuse(
                    .methodNotAllowed, reason: "method_not_allowed", detail: "use GET",
                    headers: [("Allow", "GET")])
            }
            if !configuration.metricsPublic {
                let credentials = head.headers.first(name: "authorization") ?? ""
                let token = credentials.lowercased().hasPrefix("bearer ") ? credentials.dropFirst(7) : ""
                guard WebhookToken.matches(token, configuration.token) else {
                    return .refuse(
                        .unauthorized, reason: "unauthorized",
                        detail: "/metrics needs Authorization: Bearer <webhook token> (or --metrics-public)",
                        headers: [("WWW-Authenticate", "Bearer")])
                }
            }
            return .metrics
        }
        if path == "/healthz" {
            if head.method == .GET || head.method == .HEAD { return .health }
            return .refuse(
                .methodNotAllowed, reason: "method_not_allowed", detail: "use GET",
                headers: [("Allow", "GET")])
        }
        if path.hasPrefix("/hook/") {
            var token = path.dropFirst("/hook/".count)
            if token.hasSuffix("/") { token = token.dropLast() }
            // A wrong token must look exactly like any unknown path.
            guard WebhookToken.matches(token, configuration.token) else { return notFound }
            if head.method != .POST {
                return .refuse(
                    .methodNotAllowed, reason: "method_not_allowed",
                    detail: "webhooks are delivered with POST",
                    headers: [("Allow", "POST")])
            }
            return .hook
        }
        return notFound
    }

    private var notFound: Route {
        .refuse(.notFound, reason: "not_found", detail: "no such endpoint", headers: [])
    }

    private func finish(_ route: Route, head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch route {
        case .health:
            let totals = ingestor.store.totals
            let rejections = ingestor.rejections.byReason
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("status")
            writer.string("ok")
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
            writer.key("rejections")
            writer.beginObject()
            for (reason, count) in rejections.sorted(by: { $0.key < $1.key }) {
                writer.key(reason)
                writer.integer(count)
            }
            writer.endObject()
            writer.endObject()
            respond(context: context, head: head, status: .ok, json: writer.text)
        case .metrics:
            let text =
                configuration.metrics?.render(
                    store: ingestor.store, rejections: ingestor.rejections,
                    forwardQueued: configuration.forwarder?.queued ?? [:]) ?? []
            respond(
                context: context, head: head, status: .ok,
                body: context.channel.allocator.buffer(bytes: text),
                contentType: "text/plain; version=0.0.4; charset=utf-8")
        case .refuse(let status, let reason, let detail, let headers):
            ingestor.rejections.count(reason)
            respond(
                context: context, head: head, status: status, json: Self.errorJSON(reason, detail),
                extra: headers)
        case .hook:
            let received = WallClock.now()
            let source = context.channel.remoteAddress?.ipAddress
            let delivery = DeliveryInfo(
                origin: .webhook, source: source, userAgent: head.headers.first(name: "user-agent"),
                forwardedFor: head.headers.first(name: "x-forwarded-for"),
                forwardedForTrusted: configuration.trustProxy, deliveryID: DeliveryIDs.next())
            let outcome: Ingestor.Outcome
            if let body, body.readableBytes > 0 {
                outcome = body.withUnsafeReadableBytes { raw in
                    let bytes = raw.bindMemory(to: UInt8.self)
                    guard let journal = configuration.journal else {
                        switch ingestor.ingest(bytes, receivedAt: received, delivery: delivery) {
                        case .success(let change): return .stored(change)
                        case .failure(let error): return .refused(error)
                        }
                    }
                    return ingestor.ingest(bytes, receivedAt: received, delivery: delivery) { body in
                        try journal.append(body: body, receivedAt: received, source: source)
                    }
                }
            } else {
                outcome = .refused(PayloadError(.invalidJSON, "empty body"))
                ingestor.rejections.count(PayloadError.Kind.invalidJSON.rawValue)
            }
            if case .stored(let change) = outcome {
                afterStoring(change, delivery: delivery, head: head, received: received)
            } else if case .notPersisted = outcome {
                configuration.metrics?.journalError()
            }
            body = nil
            switch outcome {
            case .stored(.appended(let id)):
                respond(context: context, head: head, status: .ok, json: "{\"ok\":true,\"id\":\(id)}")
            case .stored(.folded(let id, let deliveries)):
                respond(
                    context: context, head: head, status: .ok,
                    json: "{\"ok\":true,\"id\":\(id),\"deliveries\":\(deliveries)}")
            case .stored(.annotated):
                break  // not an outcome of ingesting
            case .refused(let error):
                respond(
                    context: context, head: head,
                    status: error.kind == .repositoryNotAllowed ? .forbidden : .badRequest,
                    json: Self.errorJSON(error.kind.rawValue, error.detail))
            case .notPersisted(let reason):
                // Not acknowledged: Docker Hub (or any sender) should retry later.
                respond(
                    context: context, head: head, status: .serviceUnavailable,
                    json: Self.errorJSON("journal_unavailable", reason), extra: [("Retry-After", "30")])
            }
        }
        self.route = nil
        self.head = nil
    }

    /// Metrics, forwarding and the automatic callback: all off the response's path.
    private func afterStoring(
        _ change: StoreChange, delivery: DeliveryInfo, head: HTTPRequestHead, received: Double
    ) {
        let id: UInt64
        switch change {
        case .appended(let appended): id = appended
        case .folded(let folded, _): id = folded
        case .annotated: return
        }
        if let metrics = configuration.metrics, let event = ingestor.store.event(id: id) {
            metrics.accepted(repository: event.repoName)
        }
        if let forwarder = configuration.forwarder, let body {
            forwarder.enqueue(
                Forwarder.Delivery(
                    eventID: id, deliveryID: delivery.deliveryID ?? DeliveryIDs.next(),
                    body: Array(body.readableBytesView),
                    contentType: head.headers.first(name: "content-type") ?? "application/json"),
                now: received)
        }
        if case .appended = change, let callbacks = configuration.callbacks,
            let state = configuration.autoCallback
        {
            Task { await callbacks.send(eventID: id, state: state) }
        }
    }

    private struct Refusal {
        var status: HTTPResponseStatus
        var error: String
        var detail: String
        var headers: [(String, String)] = []
    }

    /// Limits checked as soon as the head is parsed, before any body is read.
    private func screen(_ head: HTTPRequestHead, context: ChannelHandlerContext) -> Refusal? {
        if head.uri.utf8.count > configuration.maxURIBytes {
            return Refusal(
                status: .uriTooLong, error: "uri_too_long",
                detail: "the request target is longer than \(configuration.maxURIBytes) bytes")
        }
        if head.headers.count > configuration.maxHeaderCount {
            return Refusal(
                status: .requestHeaderFieldsTooLarge, error: "too_many_headers",
                detail: "more than \(configuration.maxHeaderCount) header fields")
        }
        let headerBytes = head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        if headerBytes > configuration.maxHeaderBytes {
            return Refusal(
                status: .requestHeaderFieldsTooLarge, error: "headers_too_large",
                detail: "the header fields exceed \(configuration.maxHeaderBytes) bytes")
        }
        if let rateLimiter, let address = context.channel.remoteAddress?.ipAddress,
            let wait = rateLimiter.take(address, now: WallClock.now())
        {
            let seconds = max(1, Int(wait.rounded(.up)))
            return Refusal(
                status: .tooManyRequests, error: "rate_limited",
                detail: "more than \(Int(rateLimiter.rate)) requests a second from \(address)",
                headers: [("Retry-After", String(seconds))])
        }
        if case .hook = route(for: head),
            let length = head.headers.first(name: "content-length").flatMap(Int.init),
            length > configuration.maxBodyBytes
        {
            return tooLarge
        }
        return nil
    }

    private var tooLarge: Refusal {
        Refusal(
            status: .payloadTooLarge, error: "body_too_large",
            detail: "the body exceeds \(configuration.maxBodyBytes) bytes")
    }

    private func refuseTooLarge(context: ChannelHandlerContext) {
        refuseEarly(context: context, tooLarge)
    }

    /// Answers before the request is over and closes: the rest of it is not read.
    private func refuseEarly(context: ChannelHandlerContext, _ refusal: Refusal) {
        guard let head else { return }
        answeredEarly = true
        body = nil
        ingestor.rejections.count(refusal.error)
        respond(
            context: context, head: head, status: refusal.status,
            json: Self.errorJSON(refusal.error, refusal.detail),
            extra: refusal.headers, forceClose: true)
    }

    static func errorJSON(_ error: String, _ detail: String) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        writer.string(error)
        writer.key("detail")
        writer.string(detail)
        writer.endObject()
        return writer.text
    }

    private func respond(
        context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, json: String,
        extra: [(String, String)] = [], forceClose: Bool = false
    ) {
        respond(
            context: context, head: head, status: status,
            body: context.channel.allocator.buffer(string: json),
            contentType: "application/json", extra: extra, forceClose: forceClose)
    }

    private func respond(
        context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, body: ByteBuffer,
        contentType: String, extra: [(String, String)] = [], forceClose: Bool = false
    ) {
        let keepAlive = head.isKeepAlive && !forceClose && !quiescing
        var headers = HTTPHeaders()
        headers.reserveCapacity(4 + extra.count)
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        for (name, value) in extra { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        deadline?.requestCompleted()
        if !keepAlive {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else if event is ChannelShouldQuiesceEvent {
            quiescing = true
            // Between requests: close now; mid-request: the response will close.
            if head == nil { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
