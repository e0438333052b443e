import HubtopCore
import NIOCore
import NIOHTTP1
import Synchronization

/// Raw HTTP answers for handlers that sit before the HTTP codec (or must not depend on it).
enum RawResponse {
    static func buffer(
        _ allocator: ByteBufferAllocator, status: Int, reason: String, error: String, detail: String,
        extra: [(String, String)] = []
    ) -> ByteBuffer {
        let body = WebhookHandler.errorJSON(error, detail)
        var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\n"
        head += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n"
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        var buffer = allocator.buffer(capacity: head.utf8.count + body.utf8.count + 2)
        buffer.writeString(head + "\r\n" + body)
        return buffer
    }
}

/// Sits in front of the HTTP codec and sees raw bytes: a request must arrive whole within the
/// deadline from its first byte, so slow-drip clients cannot hold a connection (`408`).
final class RequestDeadlineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let rejections: RejectionCounter
    private var deadline: Scheduled<Void>?
    private var expired = false

    init(timeout: TimeAmount, rejections: RejectionCounter) {
        self.timeout = timeout
        self.rejections = rejections
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if expired { return }
        if deadline == nil {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                let (handler, context) = loopBound.value
                handler.expire(context: context)
            }
        }
        context.fireChannelRead(data)
    }

    /// The request was answered: the next one gets its own deadline from its first byte.
    func requestCompleted() {
        deadline?.cancel()
        deadline = nil
    }

    private func expire(context: ChannelHandlerContext) {
        expired = true
        rejections.count("request_timeout")
        let seconds = timeout.nanoseconds / 1_000_000_000
        let response = RawResponse.buffer(
            context.channel.allocator, status: 408, reason: "Request Timeout", error: "request_timeout",
            detail: "the request did not arrive whole within \(seconds) s")
        let channel = context.channel
        context.writeAndFlush(NIOAny(response)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}

/// Turns HTTP parse errors into JSON answers: `431` for oversized headers, `400` otherwise.
/// Stands where NIO's own error handler would (which answers with an empty body).
final class ProtocolErrorHandler: ChannelInboundHandler {
    typealias InboundIn = Never
    typealias OutboundOut = HTTPServerResponsePart
    private let rejections: RejectionCounter

    init(rejections: RejectionCounter) {
        self.rejections = rejections
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        let status: HTTPResponseStatus
        let code: String
        let detail: String
        switch parserError {
        case .headerOverflow:
            (status, code, detail) = (
                .requestHeaderFieldsTooLarge, "headers_too_large",
                "the request line and headers are too large"
            )
        default:
            (status, code, detail) = (.badRequest, "malformed_http", "malformed HTTP: \(parserError)")
        }
        rejections.count(code)
        let body = WebhookHandler.errorJSON(code, detail)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// Per-address token buckets: `rate` requests a second, bursts up to `burst`.
public final class RateLimiter: Sendable {
    public let rate: Double
    public let burst: Double
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Beyond this many addresses, idle buckets are dropped (they would be full anyway).
    private let maximumAddresses = 65_536

    public init(rate: Double, burst: Double? = nil) {
        self.rate = rate
        self.burst = max(1, burst ?? rate * 2)
    }

    /// Takes a token for `address`; nil when allowed, else the seconds until one is available.
    public func take(_ address: String, now: Double) -> Double? {
        buckets.withLock { buckets in
            if buckets.count >= maximumAddresses && buckets[address] == nil {
                let burst = self.burst
                let rate = self.rate
                buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated) * rate < burst }
                if buckets.count >= maximumAddresses { buckets.removeAll() }
            }
            var bucket = buckets[address] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.updated) * rate)
            bucket.updated = now
            defer { buckets[address] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return (1 - bucket.tokens) / rate
        }
    }
}

/// Counts open connections so excess ones are refused at once rather than queued.
public final class ConnectionLimiter: Sendable {
    public let maximum: Int
    private let open = Atomic<Int>(0)

    public init(maximum: Int) {
        self.maximum = maximum
    }

    /// Claims a slot; false when all are taken.
    func claim() -> Bool {
        while true {
            let current = open.load(ordering: .relaxed)
            if current >= maximum { return false }
            if open.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
                .exchanged
            {
                return true
            }
        }
    }

    func release() { open.subtract(1, ordering: .relaxed) }

    public var current: Int { open.load(ordering: .relaxed) }
}
