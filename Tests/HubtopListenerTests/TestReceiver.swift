import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A downstream HTTP service on loopback for forwarding and callback tests: it records every
/// request and answers with the next status of its script (the last one repeats).
final class TestReceiver: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    let requests = Mutex<[Request]>([])
    let script: Mutex<[Int]>
    /// What every answer carries.
    let answerBody: [UInt8]
    private let channel: Mutex<Channel?> = Mutex(nil)

    init(statuses: [Int] = [200], body: [UInt8] = []) {
        script = Mutex(statuses)
        answerBody = body
    }

    /// Starts listening; returns the port.
    func start() async throws -> Int {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(receiver: self))
                }
            }
        let server = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        channel.withLock { $0 = server }
        return server.localAddress?.port ?? 0
    }

    func stop() async {
        try? await channel.withLock { $0 }?.close()
    }

    var received: [Request] { requests.withLock { $0 } }

    func nextStatus() -> Int {
        script.withLock { script in script.count > 1 ? script.removeFirst() : (script.first ?? 200) }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let receiver: TestReceiver
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(receiver: TestReceiver) { self.receiver = receiver }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let chunk):
                body += chunk.readableBytesView
            case .end:
                guard let head else { return }
                receiver.requests.withLock {
                    $0.append(
                        Request(
                            method: head.method.rawValue, uri: head.uri,
                            headers: head.headers.map { ($0.name, $0.value) },
                            body: body))
                }
                let status = HTTPResponseStatus(statusCode: receiver.nextStatus())
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: String(receiver.answerBody.count))
                headers.add(name: "Connection", value: "close")
                context.write(
                    wrapOutboundOut(
                        .head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                    promise: nil)
                if !receiver.answerBody.isEmpty {
                    let buffer = context.channel.allocator.buffer(bytes: receiver.answerBody)
                    context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                }
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                    bound.value.close(promise: nil)
                }
            }
        }
    }
}
