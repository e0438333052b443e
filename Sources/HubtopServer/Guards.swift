import HubtopCore
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Raw HTTP answers for handlers that sit before the HTTP codec (or must not depend on it).
enum RawResponse {
    static func buffer(
        _ allocator: ByteBufferAllocator, status: Int, reason: String, error: String, detail: String,
        extra: [(String, String)] = []
    ) -> ByteBuffer {
        let body = AnswerBody.error(error, detail)
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
///
/// A new connection must send its first byte within `firstByteTimeout`, or it is closed: idle
/// connections that send nothing cannot fill `--max-connections`.
final class RequestDeadlineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let firstByteTimeout: TimeAmount
    private let rejections: RejectionCounter
    private let penaltyBox: PenaltyBox?
    private var deadline: Scheduled<Void>?
    private var firstByte: Scheduled<Void>?
    private var expired = false

    init(
        timeout: TimeAmount, firstByteTimeout: TimeAmount, rejections: RejectionCounter,
        penaltyBox: PenaltyBox?
    ) {
        self.timeout = timeout
        self.firstByteTimeout = firstByteTimeout
        self.rejections = rejections
        self.penaltyBox = penaltyBox
    }

    func channelActive(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        firstByte = context.eventLoop.scheduleTask(in: firstByteTimeout) {
            let (handler, context) = loopBound.value
            handler.expired = true
            handler.rejections.count("first_byte_timeout")
            handler.strike(context)
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if expired { return }
        firstByte?.cancel()
        firstByte = nil
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

    private func strike(_ context: ChannelHandlerContext) {
        if let penaltyBox, let address = context.channel.remoteAddress?.ipAddress {
            _ = penaltyBox.strike(address, now: WallClock.now())
        }
    }

    private func expire(context: ChannelHandlerContext) {
        expired = true
        rejections.count("request_timeout")
        strike(context)
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
        firstByte?.cancel()
        firstByte = nil
        context.fireChannelInactive()
    }
}

/// What one connection's handlers tell each other (all on the connection's event loop).
final class ConnectionState {
    /// The connection's place under `--max-connections`: given back when it closes, or when it
    /// becomes a viewer's stream (counted under `--max-viewers` instead).
    var claim: ConnectionClaim?
    /// A request was refused before it ended (`413`) and the connection is closing: what the
    /// parser makes of the rest of that request is no new fault of the sender's.
    var refusedEarly = false
}

/// Turns HTTP parse errors into JSON answers: `431` for oversized headers, `400` otherwise.
/// Stands where NIO's own error handler would (which answers with an empty body).
final class ProtocolErrorHandler: ChannelInboundHandler {
    typealias InboundIn = Never
    typealias OutboundOut = HTTPServerResponsePart
    private let rejections: RejectionCounter
    private let penaltyBox: PenaltyBox?
    private let connection: ConnectionState

    init(
        rejections: RejectionCounter, penaltyBox: PenaltyBox?, connection: ConnectionState = ConnectionState()
    ) {
        self.rejections = rejections
        self.penaltyBox = penaltyBox
        self.connection = connection
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if connection.refusedEarly {
            // Already answered and counted once: the unread rest of that request is not a second
            // fault, nor a strike against a sender that had the token.
            context.close(promise: nil)
            return
        }
        if let penaltyBox, let address = context.channel.remoteAddress?.ipAddress {
            _ = penaltyBox.strike(address, now: WallClock.now())
        }
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
        let body = AnswerBody.error(code, detail)
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

/// Throttles what is not a genuine delivery, per source address, like fail2ban: each request
/// without the webhook token (wrong token, unknown path, health checks, malformed HTTP, slow
/// requests) takes one of the address's `rate` a second (bursts up to `burst`); an address that
/// runs out is refused for `penalty` seconds, however it behaves meanwhile. Requests with the
/// right token never come here, so junk from an address cannot push a real delivery out.
public final class PenaltyBox: Sendable {
    public let rate: Double
    public let burst: Double
    public let penalty: Double
    private struct Allowance {
        var tokens: Double
        var updated: Double
        var boxedUntil: Double = 0
    }
    private let allowances = Mutex<[String: Allowance]>([:])
    /// Beyond this many addresses, those with a full allowance and no penalty are forgotten.
    private let maximumAddresses: Int

    public init(rate: Double, burst: Double? = nil, penalty: Double = 60, maximumAddresses: Int = 65_536) {
        self.maximumAddresses = maximumAddresses
        self.rate = rate
        self.burst = max(1, burst ?? rate * 2)
        self.penalty = penalty
    }

    /// Counts one request without the token from `address`; nil when it may go on, else the whole
    /// seconds until the address is let out of the box.
    public func strike(_ address: String, now: Double) -> Int? {
        let address = Self.key(address)
        return allowances.withLock { allowances in
            if allowances.count >= maximumAddresses && allowances[address] == nil {
                let (burst, rate) = (self.burst, self.rate)
                allowances = allowances.filter {
                    $0.value.boxedUntil > now || $0.value.tokens + (now - $0.value.updated) * rate < burst
                }
                if allowances.count >= maximumAddresses {
                    // Still full: those let out soonest go first, the boxed ones last — a flood of
                    // new addresses must not set the ones in the box free.
                    let kept = allowances.sorted {
                        ($0.value.boxedUntil, -$0.value.tokens) > ($1.value.boxedUntil, -$1.value.tokens)
                    }.prefix(maximumAddresses * 3 / 4)
                    allowances = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
                }
            }
            var allowance = allowances[address] ?? Allowance(tokens: burst, updated: now)
            defer { allowances[address] = allowance }
            if allowance.boxedUntil > now { return max(1, Int((allowance.boxedUntil - now).rounded(.up))) }
            allowance.tokens = min(burst, allowance.tokens + max(0, now - allowance.updated) * rate)
            allowance.updated = now
            if allowance.tokens >= 1 {
                allowance.tokens -= 1
                return nil
            }
            allowance.boxedUntil = now + penalty
            return max(1, Int(penalty.rounded(.up)))
        }
    }

    /// Whether `address` is in the box now.
    public func isBoxed(_ address: String, now: Double) -> Bool {
        allowances.withLock { ($0[Self.key(address)]?.boxedUntil ?? 0) > now }
    }

    /// What an address is held responsible as: an IPv4 address itself, an IPv6 address by its
    /// /64 (one host is handed a whole /64, so single addresses cost an attacker nothing).
    static func key(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var bytes = in6_addr()
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        let octets = withUnsafeBytes(of: bytes) { Array($0) }
        // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address.
        if octets[0..<10].allSatisfy({ $0 == 0 }) && octets[10] == 0xFF && octets[11] == 0xFF {
            return octets[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map {
            String(UInt16(octets[$0]) << 8 | UInt16(octets[$0 + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "::/64"
    }
}

/// Counts open connections, in all and per source address, so excess ones are refused at once
/// rather than queued, and idle connections from one address cannot fill the listener.
public final class ConnectionLimiter: Sendable {
    public let maximum: Int
    /// Per peer address; nil: no per-address cap (behind a proxy every peer is the proxy).
    public let maximumPerAddress: Int?
    private let open = Mutex<(total: Int, byAddress: [String: Int])>((0, [:]))

    public init(maximum: Int, maximumPerAddress: Int? = nil) {
        self.maximum = maximum
        self.maximumPerAddress = maximumPerAddress
    }

    /// Claims a slot for a connection from `address`; false when none is left.
    func claim(_ address: String) -> Bool {
        open.withLock { open in
            guard open.total < maximum else { return false }
            if let maximumPerAddress {
                let current = open.byAddress[address, default: 0]
                guard current < maximumPerAddress else { return false }
                open.byAddress[address] = current + 1
            }
            open.total += 1
            return true
        }
    }

    func release(_ address: String) {
        open.withLock { open in
            open.total -= 1
            guard maximumPerAddress != nil, let current = open.byAddress[address] else { return }
            open.byAddress[address] = current > 1 ? current - 1 : nil
        }
    }

    public var current: Int { open.withLock { $0.total } }
}

/// One connection's slot in a `ConnectionLimiter`, given back once however often released.
final class ConnectionClaim: Sendable {
    private let limiter: ConnectionLimiter
    private let address: String
    private let released = Atomic<Bool>(false)

    init(_ limiter: ConnectionLimiter, address: String) {
        self.limiter = limiter
        self.address = address
    }

    func release() {
        if !released.exchange(true, ordering: .relaxed) { limiter.release(address) }
    }
}
