import HubtopCore
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import Synchronization

/// The SwiftNIO HTTP/1.1 server that receives Docker Hub deliveries.
public final class WebhookServer: Sendable {
    public let configuration: ListenerConfiguration
    public let ingestor: Ingestor
    private let group: MultiThreadedEventLoopGroup
    /// Dropped before the event loops stop: its deinit touches them.
    private let quiescing: Mutex<ServerQuiescingHelper?>
    private let channel = Mutex<Channel?>(nil)
    public let connections: ConnectionLimiter

    public init(configuration: ListenerConfiguration, ingestor: Ingestor) {
        self.configuration = configuration
        self.ingestor = ingestor
        self.connections = ConnectionLimiter(
            maximum: configuration.maxConnections,
            maximumPerAddress: configuration.trustProxy ? nil : configuration.maxConnectionsPerAddress)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        self.quiescing = Mutex(ServerQuiescingHelper(group: group))
        // The reactions to what this listener makes durable: they follow the one stream.
        if let metrics = configuration.metrics {
            configuration.accepted.observe { metrics.accepted(repository: $0.repository) }
        }
        configuration.relay?.follow(configuration.accepted)
        configuration.viewers?.follow()
    }

    /// Binds and starts serving; returns the bound port (useful with port 0).
    public func start() async throws -> Int {
        let configuration = self.configuration
        // An empty or short secret would open `/hook/` (and `/metrics`) to anyone.
        for (token, name) in [
            (configuration.token, "the webhook token"), (configuration.metricsToken, "the metrics token"),
            (configuration.viewerToken, "the viewer token"),
        ] {
            if let token, let problem = WebhookToken.problem(with: token, name: name) {
                throw ListenerError(description: problem)
            }
        }
        let ingestor = self.ingestor
        let connections = self.connections
        let penaltyBox = configuration.rateLimit.map {
            PenaltyBox(rate: $0, penalty: configuration.penaltySeconds)
        }
        // Behind a proxy every peer is the proxy: only the handler, which reads X-Forwarded-For,
        // knows whom to blame.
        let peerPenaltyBox = configuration.trustProxy ? nil : penaltyBox
        guard let quiescing = self.quiescing.withLock({ $0 }) else {
            throw ChannelError.ioOnClosedChannel
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let address = channel.remoteAddress?.ipAddress ?? "?"
                    guard connections.claim(address) else {
                        // Refused at once rather than queued: say why, then close.
                        ingestor.rejections.count("too_many_connections")
                        let response = RawResponse.buffer(
                            channel.allocator, status: 429, reason: "Too Many Requests",
                            error: "too_many_connections",
                            detail: "too many connections are open (in all or from this address)",
                            extra: [("Retry-After", "5")])
                        channel.writeAndFlush(response).whenComplete { _ in channel.close(promise: nil) }
                        return
                    }
                    let claim = ConnectionClaim(connections, address: address)
                    channel.closeFuture.whenComplete { _ in claim.release() }
                    let sync = channel.pipeline.syncOperations
                    let deadline = RequestDeadlineHandler(
                        timeout: configuration.requestTimeout,
                        firstByteTimeout: configuration.firstByteTimeout,
                        rejections: ingestor.rejections, penaltyBox: peerPenaltyBox)
                    try sync.addHandler(deadline)
                    try sync.addHandler(IdleStateHandler(allTimeout: configuration.idleTimeout))
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false)
                    let state = ConnectionState()
                    state.claim = claim
                    try sync.addHandler(
                        ProtocolErrorHandler(
                            rejections: ingestor.rejections, penaltyBox: peerPenaltyBox, connection: state))
                    try sync.addHandler(
                        WebhookHandler(
                            configuration: configuration, ingestor: ingestor, deadline: deadline,
                            penaltyBox: penaltyBox, connection: state))
                }
            }
        let bound = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        channel.withLock { $0 = bound }
        return bound.localAddress?.port ?? configuration.port
    }

    /// The longest `shutdown` waits for requests in flight.
    public static let maximumDrain = TimeAmount.seconds(12)

    /// Stops accepting, lets in-flight requests finish, then stops the event loops.
    public func shutdown() async {
        if let bound = channel.withLock({ $0 }) {
            let promise = bound.eventLoop.makePromise(of: Void.self)
            quiescing.withLock { $0 }?.initiateShutdown(promise: promise)
            // In-flight requests get as long as one may take to arrive and a moment to be
            // answered, within the run's 15 s to stop; then the event loops close what is left.
            let grace = min(configuration.requestTimeout + .seconds(2), Self.maximumDrain)
            let deadline = bound.eventLoop.scheduleTask(in: grace) { promise.succeed() }
            defer { deadline.cancel() }
            _ = try? await promise.futureResult.get()
            _ = try? await bound.closeFuture.get()
        }
        quiescing.withLock { $0 = nil }
        try? await group.shutdownGracefully()
        configuration.durability?.finish()
    }
}

public struct ListenerError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
