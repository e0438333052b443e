import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for one POST: enough for `hubtop send` and the tests, without
/// pulling in a full client library.
public enum HTTPPost {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Splits `http://host:port/path` into its parts.
    public static func parse(_ url: String) throws -> (host: String, port: Int, path: String) {
        guard url.hasPrefix("http://") else {
            throw Failure(description: "only http:// URLs are supported (got \(url)); use a local address")
        }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        var host = String(authority)
        var port = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let parsed = Int(authority[authority.index(after: colon)...]) else {
                throw Failure(description: "bad port in \(url)")
            }
            port = parsed
        }
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw Failure(description: "no host in \(url)") }
        return (host, port, path)
    }

    public static func post(
        url: String, body: [UInt8], contentType: String = "application/json",
        extraHeaders: [(String, String)] = [], method: String = "POST", timeout: TimeAmount = .seconds(10)
    ) async throws -> Response {
        let (host, port, path) = try parse(url)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Response.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw Failure(description: "cannot connect to \(host):\(port): \(error)")
        }
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(
                Failure(
                    description:
                        "no answer from \(host):\(port) within \(timeout.nanoseconds / 1_000_000_000) s"))
            channel.close(promise: nil)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: port == 80 ? host : "\(host):\(port)")
        headers.add(name: "User-Agent", value: "hubtop")
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        let head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: method), uri: path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        var buffer = channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
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
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    init(promise: EventLoopPromise<HTTPPost.Response>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            // 100 Continue is an interim answer; the real one follows.
            if head.status != .continue { self.head = head }
        case .body(var chunk):
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
