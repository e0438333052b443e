import HubtopCore
import NIOCore
import NIOHTTP1
import Synchronization

/// Routes and answers one connection's requests. Bodies are collected up to the limit and then
/// handed to the shared `Ingestor`; anything refused gets a JSON error body.
final class WebhookHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let configuration: ListenerConfiguration
    private let ingestor: Ingestor
    /// The in-memory store when nothing else was configured.
    private let durability: any Durability
    private var route: Route?
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// Set once a response was sent early (413): the rest of the request is dropped.
    private var answeredEarly = false
    private var quiescing = false
    /// When the current request's head arrived: the inspector shows how long the answer took.
    private var headArrived = NIODeadline.now()

    private let deadline: RequestDeadlineHandler?
    let penaltyBox: PenaltyBox?
    private let connection: ConnectionState
    /// Set once this connection became a viewer's stream: it reads nothing more and is never idle.
    private var streaming = false

    init(
        configuration: ListenerConfiguration, ingestor: Ingestor, deadline: RequestDeadlineHandler? = nil,
        penaltyBox: PenaltyBox? = nil, connection: ConnectionState = ConnectionState()
    ) {
        self.configuration = configuration
        self.ingestor = ingestor
        self.durability = configuration.durability ?? MemoryDurability(ingestor)
        self.deadline = deadline
        self.penaltyBox = penaltyBox
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if streaming { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            headArrived = .now()
            answeredEarly = false
            let route = Router(configuration: configuration).route(for: head)
            self.route = route
            if let refusal = screen(head, route: route, context: context) {
                return refuseEarly(context: context, refusal)
            }
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

    private func finish(_ route: Route, head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch route {
        case .health(let detailed):
            respond(
                context: context, head: head,
                status: HealthResponder.degradedReason(configuration) == nil ? .ok : .serviceUnavailable,
                json: HealthResponder.json(
                    ingestor: ingestor, configuration: configuration, detailed: detailed))
        case .metrics:
            respond(
                context: context, head: head, status: .ok,
                body: context.channel.allocator.buffer(
                    bytes: MetricsResponder.text(ingestor: ingestor, configuration: configuration)),
                contentType: MetricsResponder.contentType)
        case .refuse(let status, let reason, let detail, let headers):
            ingestor.rejections.count(reason)
            respond(
                context: context, head: head, status: status, json: AnswerBody.error(reason, detail),
                extra: headers)
        case .hook(let proof):
            return receive(head: head, proof: proof, context: context)
        case .stream(let lastEventID):
            return startStream(head: head, lastEventID: lastEventID, context: context)
        case .streamRequests(let id):
            guard ingestor.store.event(id: id) != nil else {
                respond(
                    context: context, head: head, status: .notFound,
                    json: AnswerBody.error("not_found", "no event \(id) is held"))
                break
            }
            respond(
                context: context, head: head, status: .ok,
                body: context.channel.allocator.buffer(
                    bytes: StreamEncoder.requests(ingestor.store.requests(of: id))),
                contentType: "application/json")
        case .handshake(let origin):
            respond(
                context: context, head: head, status: .ok, json: "{\"ok\":true}",
                extra: [
                    ("WebHook-Allowed-Origin", origin), ("WebHook-Allowed-Rate", "*"),
                    ("Allow", "POST, OPTIONS"),
                ])
        }
        self.route = nil
        self.head = nil
    }

    /// Hands the connection to a viewer's stream: it no longer counts as a connection of its
    /// address (viewers behind one NAT), but against `--max-viewers`.
    private func startStream(head: HTTPRequestHead, lastEventID: String?, context: ChannelHandlerContext) {
        route = nil
        self.head = nil
        guard let hub = configuration.viewers else { return }
        streaming = true
        deadline?.requestCompleted()
        connection.claim?.release()
        let stream = StreamHandler(hub: hub, head: head, lastEventID: lastEventID)
        try? context.pipeline.syncOperations.addHandler(stream, position: .after(self))
    }

    /// A delivery with the right token: admitted (decoded and checked) on the event loop, made
    /// durable as the listener is configured, and only then answered; what was made durable is
    /// published for the reactions that follow it.
    private func receive(head: HTTPRequestHead, proof: SenderProof, context: ChannelHandlerContext) {
        let received = WallClock.now()
        let source = context.channel.remoteAddress?.ipAddress
        let delivery = DeliveryInfo(
            origin: .webhook, source: source, userAgent: Self.capped(head.headers.first(name: "user-agent")),
            forwardedFor: Self.capped(head.headers.first(name: "x-forwarded-for")),
            forwardedForTrusted: configuration.trustProxy, deliveryID: DeliveryIDs.next())
        let body = self.body ?? context.channel.allocator.buffer(capacity: 0)
        self.body = nil
        guard body.readableBytes > 0 else {
            return refuse(PayloadError(.invalidJSON, "empty body"), head: head, context: context)
        }
        guard let hints = hints(head, proof: proof, body: body) else {
            ingestor.rejections.count("bad_signature")
            respond(
                context: context, head: head, status: .unauthorized,
                json: AnswerBody.error(
                    "bad_signature",
                    "X-Hub-Signature-256 is missing or does not sign this body with --github-secret"))
            return done()
        }
        let admitted = body.withUnsafeReadableBytes { raw in
            ingestor.admit(raw.bindMemory(to: UInt8.self), delivery: delivery, hints: hints)
        }
        let admission: Ingestor.Admission
        switch admitted {
        case .failure(let error): return refuse(error, head: head, context: context, counted: true)
        case .success(let admitted): admission = admitted
        }
        guard !admission.isEmpty else {
            // Well-formed, of a known format, nothing to show: acknowledged, or the sender retries
            // it forever and holds its queue behind it.
            ingestor.store.note(
                pulls: admission.pulls, ping: admission.ping, children: admission.children, at: received)
            respond(
                context: context, head: head, status: .ok,
                json: AnswerBody.acknowledged(admission.format, note: admission.note))
            return done()
        }
        var admittedDelivery = AdmittedDelivery(
            admission: admission, body: body, contentType: head.headers.first(name: "content-type"),
            receivedAt: received, source: source)
        admittedDelivery.request = receivedRequest(head, admittedDelivery)
        let delivered = admittedDelivery
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        durability.persist(delivered) { persisted in
            // In memory it is done at once, on this loop: no hop.
            if eventLoop.inEventLoop {
                let (handler, context) = loopBound.value
                handler.answer(persisted, delivered, head: head, context: context)
            } else {
                eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.answer(persisted, delivered, head: head, context: context)
                }
            }
        }
    }

    /// Answers what became of a delivery and, when it was made durable, publishes it.
    private func answer(
        _ persisted: Persisted, _ delivered: AdmittedDelivery, head: HTTPRequestHead,
        context: ChannelHandlerContext
    ) {
        let event: EventReference
        let deliveries: Int
        switch persisted {
        case .stored(.appended(let id)): (event, deliveries) = (.local(id), 1)
        case .stored(.folded(let id, let count)): (event, deliveries) = (.local(id), count)
        case .committed(let id, let count): (event, deliveries) = (.shared(id), count)
        case .stored(.annotated(let id)): (event, deliveries) = (.local(id), 1)
        case .failed(let code, let reason):
            ingestor.rejections.count(code)
            if code == "journal_unavailable" { configuration.metrics?.journalError() }
            // Not acknowledged: Docker Hub (or any sender) should retry later.
            respond(
                context: context, head: head, status: .serviceUnavailable,
                json: AnswerBody.error(code, reason),
                extra: [("Retry-After", "30")])
            return done()
        }
        respond(
            context: context, head: head, status: .ok,
            json: AnswerBody.accepted(event, deliveries: deliveries))
        done()
        configuration.accepted.publish(
            AcceptedDeliveries.Accepted(
                event: event, deliveryID: delivered.delivery?.deliveryID ?? DeliveryIDs.next(),
                body: delivered.body, contentType: delivered.contentType ?? "application/json",
                repository: delivered.payload.repository.repoName, receivedAt: delivered.receivedAt,
                deliveries: deliveries,
                formatHeaders: delivered.admission.hints == nil ? [] : Self.formatHeaders(head)))
    }

    /// A body that was not admitted: `403` for a repository the allowlist leaves out, else `400`.
    private func refuse(
        _ error: PayloadError, head: HTTPRequestHead, context: ChannelHandlerContext, counted: Bool = false
    ) {
        if !counted { ingestor.rejections.count(error.kind.rawValue) }
        respond(
            context: context, head: head,
            status: error.kind == .repositoryNotAllowed ? .forbidden : .badRequest,
            json: AnswerBody.error(error.kind.rawValue, error.detail))
        done()
    }

    /// What the decoders need of the request's head; nil when it claims to be GitHub's and its
    /// signature does not check out with `--github-secret`.
    private func hints(_ head: HTTPRequestHead, proof: SenderProof, body: ByteBuffer) -> DeliveryHints? {
        var hints = DeliveryHints(headers: head.headers, proof: proof)
        guard hints.githubEvent != nil else { return hints }
        guard let secret = configuration.githubSecret else {
            hints.proof = .unsigned
            return hints
        }
        let valid = body.withUnsafeReadableBytes { raw in
            GitHubSignature.isValid(
                head.headers.first(name: "x-hub-signature-256"), body: raw, secret: secret)
        }
        guard valid else { return nil }
        hints.proof = .signature
        return hints
    }

    /// The request is answered: the next one on the connection starts afresh.
    private func done() {
        route = nil
        head = nil
    }

    /// The request as it arrived, for the inspector (when the store keeps them); the store adds
    /// the answer under the same lock as the event, so keeping it costs no second trip.
    private func receivedRequest(_ head: HTTPRequestHead, _ delivered: AdmittedDelivery) -> ReceivedRequest? {
        guard ingestor.store.keepsRequests else { return nil }
        var request = ReceivedRequest(
            deliveryID: delivered.delivery?.deliveryID ?? "",
            receivedAt: delivered.receivedAt, method: head.method.rawValue,
            path: Router.maskedPath(head.uri), version: "HTTP/\(head.version.major).\(head.version.minor)",
            capture: CapturedRequest(headers: head.headers, body: delivered.body))
        request.duration = Double((NIODeadline.now() - headArrived).nanoseconds) / 1e9
        return request
    }

    struct Refusal {
        var status: HTTPResponseStatus
        var error: String
        var detail: String
        var headers: [(String, String)] = []
    }

    var tooLarge: Refusal {
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
        connection.refusedEarly = true
        body = nil
        ingestor.rejections.count(refusal.error)
        respond(
            context: context, head: head, status: refusal.status,
            json: AnswerBody.error(refusal.error, refusal.detail),
            extra: refusal.headers, forceClose: true)
    }

    /// Header values kept with an event are cut to this many characters (they count against
    /// the memory budget, and a sender chooses them).
    static let keptHeaderLength = 256

    static func capped(_ value: String?) -> String? {
        guard let value, value.utf8.count > keptHeaderLength else { return value }
        return String(value.prefix(keptHeaderLength - 1)) + "…"
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
            if !streaming { context.close(promise: nil) }
        } else if event is ChannelShouldQuiesceEvent {
            quiescing = true
            // Between requests: close now; mid-request: the response will close.
            if head == nil { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
