import DequeModule
import HubtopCore
import NIOCore
import NIOHTTP1
import Synchronization

/// One viewer's `GET /stream`, once its token was checked: the history from the store (a page at
/// a time, as fast as the viewer reads), then live messages from the hub. A viewer that stops
/// reading fills only its own bounded buffer, and is disconnected past it.
final class StreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let pageSize = 128
    /// Pages written per turn of the event loop, so that viewers' histories (64 of them at
    /// once, after a restart) do not keep deliveries and health checks on the same loop waiting.
    static let pagesPerTurn = 1
    static let heartbeatInterval = TimeAmount.seconds(15)
    static let coalescing = TimeAmount.milliseconds(10)

    private let hub: ViewerHub
    private let head: HTTPRequestHead
    private let lastEventID: String?
    private var viewer: StreamViewer?
    /// While the history is being sent: its pages, and the id to end on.
    private var history: (pages: StreamHistory, caughtUpID: String)?
    private var heartbeat: RepeatedTask?

    init(hub: ViewerHub, head: HTTPRequestHead, lastEventID: String?) {
        self.hub = hub
        self.head = head
        self.lastEventID = lastEventID
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        // Live messages go out 10 ms after the first of them, together: at
        // thousands of deliveries a second, 64 viewers cost a write each per batch, not per event.
        let viewer = StreamViewer(limit: hub.bufferBytes) {
            eventLoop.scheduleTask(in: Self.coalescing) {
                let (handler, context) = loopBound.value
                handler.drain(context)
            }
        }
        self.viewer = viewer
        switch hub.join(viewer, lastEventID: lastEventID) {
        case .full:
            self.viewer = nil
            let body = AnswerBody.error(
                "too_many_viewers", "\(hub.maximumViewers) viewers are attached (--max-viewers)")
            var headers = HTTPHeaders([
                ("Content-Type", "application/json"), ("Content-Length", String(body.utf8.count)),
                ("Retry-After", "10"), ("Connection", "close"),
            ])
            headers.reserveCapacity(4)
            context.write(
                wrapOutboundOut(
                    .head(
                        HTTPResponseHead(version: head.version, status: .serviceUnavailable, headers: headers)
                    )),
                promise: nil)
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))),
                promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                loopBound.value.1.close(promise: nil)
            }
            return
        case .resume(let frames):
            writeHead(context)
            for frame in frames { context.write(wrapOutboundOut(.body(.byteBuffer(frame))), promise: nil) }
            viewer.goLive()
        case .history(let newest, let caughtUpID):
            writeHead(context)
            var hello: [UInt8] = []
            ServerSentEvents.frame(
                id: nil, data: StreamEncoder.hello(events: hub.store.totals.events, newestID: newest),
                into: &hello)
            write(hello, context)
            history = (StreamHistory(store: hub.store, newest: newest), caughtUpID)
            pump(context)
        }
        context.flush()
        heartbeat = context.eventLoop.scheduleRepeatedTask(
            initialDelay: Self.heartbeatInterval, delay: Self.heartbeatInterval
        ) { _ in
            let (handler, context) = loopBound.value
            guard context.channel.isWritable else { return }
            handler.write(ServerSentEvents.heartbeat, context)
            context.flush()
        }
    }

    private func writeHead(_ context: ChannelHandlerContext) {
        let headers = HTTPHeaders([
            ("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"),
            // nginx: pass each message on as it comes.
            ("X-Accel-Buffering", "no"),
        ])
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))),
            promise: nil)
    }

    private func write(_ bytes: [UInt8], _ context: ChannelHandlerContext) {
        guard !bytes.isEmpty else { return }
        context.write(
            wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
    }

    /// Sends history pages while the viewer reads; then the id of now, and live from there.
    private func pump(_ context: ChannelHandlerContext) {
        var pages = 0
        while var progress = history, context.channel.isWritable {
            if pages == Self.pagesPerTurn {
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.pump(context)
                }
                break
            }
            pages += 1
            var bytes: [UInt8] = []
            if progress.pages.nextPage(limit: Self.pageSize, into: &bytes) {
                history = progress
            } else {
                ServerSentEvents.frame(id: progress.caughtUpID, data: StreamEncoder.caughtUp, into: &bytes)
                history = nil
            }
            write(bytes, context)
            context.flush()
            if history == nil { viewer?.goLive() }
        }
    }

    /// Writes what waits for the viewer, while it reads.
    func drain(_ context: ChannelHandlerContext) {
        guard let viewer else { return }
        if viewer.overflowed {
            // It did not read, and its buffer is full: it catches up when it reconnects.
            context.close(promise: nil)
            return
        }
        guard history == nil else { return }
        while context.channel.isWritable {
            guard let frames = viewer.take() else {
                // It did not read, and its buffer is full: it catches up when it reconnects.
                context.close(promise: nil)
                return
            }
            if frames.isEmpty { break }
            // One body part (one chunk) for the lot: the pipeline is walked once, not per message.
            if frames.count == 1 {
                context.write(wrapOutboundOut(.body(.byteBuffer(frames[0]))), promise: nil)
            } else {
                var batch = context.channel.allocator.buffer(
                    capacity: frames.reduce(0) { $0 + $1.readableBytes })
                for var frame in frames { batch.writeBuffer(&frame) }
                context.write(wrapOutboundOut(.body(.byteBuffer(batch))), promise: nil)
            }
            context.flush()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if history != nil { pump(context) } else { drain(context) }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        detach()
    }

    func channelInactive(context: ChannelHandlerContext) {
        detach()
        context.fireChannelInactive()
    }

    /// No more heartbeats or live messages (once, however the connection ends).
    private func detach() {
        heartbeat?.cancel()
        if let viewer { hub.leave(viewer) }
        viewer = nil
    }
}

/// A viewer's buffer of live messages: filled by whichever thread stored the event, emptied on
/// its connection's event loop.
final class StreamViewer: StreamSink {
    private struct Pending {
        var frames: [ByteBuffer] = []
        var bytes = 0
        var overflowed = false
        var live = false
        var scheduled = false
    }
    private let pending = Mutex(Pending())
    private let limit: Int
    private let wake: @Sendable () -> Void

    init(limit: Int, wake: @escaping @Sendable () -> Void) {
        self.limit = limit
        self.wake = wake
    }

    func push(_ frame: ByteBuffer) {
        let schedule = pending.withLock { pending -> Bool in
            guard !pending.overflowed else { return false }
            if pending.bytes + frame.readableBytes > limit {
                pending.overflowed = true
                pending.frames = []
                pending.bytes = 0
                // Woken whatever else is under way: the connection is closed at once.
                return true
            } else {
                pending.frames.append(frame)
                pending.bytes += frame.readableBytes
            }
            guard pending.live, !pending.scheduled else { return false }
            pending.scheduled = true
            return true
        }
        if schedule { wake() }
    }

    /// The history is sent: what waits goes out now, and what comes later as it comes.
    func goLive() {
        pending.withLock {
            $0.live = true
            $0.scheduled = true
        }
        wake()
    }

    var overflowed: Bool { pending.withLock { $0.overflowed } }

    /// What waits (emptied), or nil when it overflowed.
    func take() -> [ByteBuffer]? {
        pending.withLock { pending in
            pending.scheduled = false
            guard !pending.overflowed else { return nil }
            defer {
                pending.frames = []
                pending.bytes = 0
            }
            return pending.frames
        }
    }
}
