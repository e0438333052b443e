import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A minimal HTTP/1.1 client for one request (POST by default): enough for `hubtop send`,
/// forwarding and the tests, without pulling in a full client library. `https://`
/// goes through TLS with the system's trust roots.
public enum HTTPPost {
    /// A URL split into what a connection needs.
    public struct Target: Sendable, Equatable {
        public var secure: Bool
        public var host: String
        public var port: Int
        public var path: String

        /// `host:port` for labels and messages (never the path, which may carry a secret).
        public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// Splits `http://host:port/path` or `https://…` into its parts.
    public static func target(_ url: String) throws -> Target {
        let secure: Bool
        let rest: Substring
        if url.lowercased().hasPrefix("https://") {
            secure = true
            rest = url.dropFirst("https://".count)
        } else if url.lowercased().hasPrefix("http://") {
            secure = false
            rest = url.dropFirst("http://".count)
        } else {
            throw Failure(description: "only http:// and https:// URLs are supported (got \(url))")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        // user:password@ is not supported and must not end up in a Host header or a label.
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        var host = String(authority)
        var port = secure ? 443 : 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(parsed)
            else {
                throw Failure(description: "bad port in \(url)")
            }
            port = parsed
        }
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw Failure(description: "no host in \(url)") }
        return Target(secure: secure, host: host.lowercased(), port: port, path: path)
    }

    /// One client TLS context for the process: building it reads the system trust store.
    static let tls: Result<NIOSSLContext, Error> = Result {
        try NIOSSLContext(configuration: .makeClientConfiguration())
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        /// At most `maximumResponseBody` bytes of it; the rest is not kept.
        public var body: String
    }

    /// Answers are read up to this size: whatever a downstream sends, hubtop holds no more.
    public static let maximumResponseBody = 64 * 1024

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func post(
        url: String, body: [UInt8], contentType: String = "application/json",
        extraHeaders: [(String, String)] = [], method: String = "POST", timeout: TimeAmount = .seconds(10),
        maxResponseBody: Int = maximumResponseBody
    ) async throws -> Response {
        let target = try target(url)
        let (host, port, path) = (target.host, target.port, target.path)
        let tlsContext = try target.secure ? tls.get() : nil
        // SNI takes names only, never address literals.
        let serverName = host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) ? nil : host
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Response.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        ResponseCollector(promise: promise, limit: maxResponseBody))
                }
            }
        var headers = HTTPHeaders()
        let defaultPort = target.secure ? 443 : 80
        headers.add(name: "Host", value: port == defaultPort ? host : "\(host):\(port)")
        if !extraHeaders.contains(where: { $0.0.lowercased() == "user-agent" }) {
            headers.add(name: "User-Agent", value: "hubtop")
        }
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        let head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: method), uri: path, headers: headers)
        // The request is written by the event loop as soon as the connection is up, not when
        // this task next gets a thread (a busy cooperative pool would delay it past a server's
        // first-byte deadline).
        let connected = bootstrap.connect(host: host, port: port).map {
            channel -> (Channel, Scheduled<Void>) in
            let timer = channel.eventLoop.scheduleTask(in: timeout) {
                promise.fail(
                    Failure(
                        description:
                            "no answer from \(host):\(port) within \(timeout.nanoseconds / 1_000_000_000) s"))
                channel.close(promise: nil)
            }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            var buffer = channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return (channel, timer)
        }
        let channel: Channel
        let timer: Scheduled<Void>
        do {
            (channel, timer) = try await connected.get()
        } catch {
            promise.fail(error)
            throw Failure(description: "cannot connect to \(host):\(port): \(error)")
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }
}

private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HTTPPost.Response>
    private let limit: Int
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    init(promise: EventLoopPromise<HTTPPost.Response>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            // 100 Continue is an interim answer; the real one follows.
            if head.status != .continue { self.head = head }
        case .body(var chunk):
            let room = limit - (body?.readableBytes ?? 0)
            guard room > 0 else { return }
            if chunk.readableBytes > room {
                chunk = chunk.getSlice(at: chunk.readerIndex, length: room) ?? chunk
            }
            if body == nil { body = chunk } else { body?.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            let text = body.map { String(buffer: $0) } ?? ""
            promise.succeed(
                HTTPPost.Response(
                    status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) },
                    body: text))
            self.head = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPPost.Failure(description: "the connection closed before a complete answer"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
