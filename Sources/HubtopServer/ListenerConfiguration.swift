import HubtopCore
import NIOCore

/// How the webhook listener behaves; filled from the command line.
public struct ListenerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The secret path segment: `POST /hook/<token>`.
    public var token: String
    public var maxBodyBytes: Int
    /// Connections with no traffic for this long are closed.
    public var idleTimeout: TimeAmount
    public var eventLoopThreads: Int
    /// How an admitted delivery is made durable before it is acknowledged: the journal, the
    /// shared database (team mode); nil keeps it in the local store only.
    public var durability: (any Durability)?
    /// The deliveries this listener made durable: forwarding and metrics follow it.
    public var accepted = AcceptedDeliveries()
    /// A request must arrive whole within this time from its first byte (else `408`).
    public var requestTimeout: TimeAmount = .seconds(10)
    /// A new connection must send its first byte within this time (else it is closed).
    public var firstByteTimeout: TimeAmount = .seconds(5)
    /// Connections beyond this are closed at once with `429`.
    public var maxConnections = 1024
    /// Open connections per peer address (not applied with `trustProxy`: every peer is the proxy).
    public var maxConnectionsPerAddress = 64
    /// Requests without the webhook token a second per source address (bursts of twice that);
    /// an address that exceeds it is refused (`429`) for `penaltySeconds`. nil: unlimited.
    /// Requests with the token are never limited.
    public var rateLimit: Double? = 20
    public var penaltySeconds: Double = 60
    public var maxURIBytes = 8192
    public var maxHeaderCount = 100
    public var maxHeaderBytes = 32_768
    /// `--trust-proxy`: believe `X-Forwarded-For` for the client address.
    public var trustProxy = false
    /// Prometheus metrics for `GET /metrics`; nil: no such endpoint.
    public var metrics: ListenerMetrics?
    /// `--metrics-public`: serve `/metrics` without a bearer token.
    public var metricsPublic = false
    /// `--metrics-token`: the bearer token `/metrics` asks for (never the webhook token).
    public var metricsToken: String?
    /// `--github-secret`: GitHub deliveries must carry a valid `X-Hub-Signature-256`.
    public var githubSecret: Secret?
    /// `--forward`: relays accepted deliveries (it follows `accepted`; `/metrics` shows its queues).
    public var relay: (any DeliveryRelay)?
    /// This listener's mark on what its forwarder and re-sends send (`X-Hubtop-Origin`): a
    /// delivery bearing it is refused (`508`), so that hubtop never feeds itself in a loop.
    public var origin = "hubtop-" + WebhookToken.random().prefix(12)
    /// `--viewer-token`: the bearer token `GET /stream` asks for; nil serves no stream.
    public var viewerToken: String?
    /// The stream's viewers (made when there is a viewer token).
    public var viewers: ViewerHub?
    /// Lines headless output has dropped (a reader that stopped reading), for `/healthz`.
    public var outputDropped: (@Sendable () -> Int)?

    public init(
        host: String = "127.0.0.1", port: Int = 9876, token: String, maxBodyBytes: Int = 1 << 20,
        idleTimeout: TimeAmount = .seconds(60), eventLoopThreads: Int = System.coreCount
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.eventLoopThreads = eventLoopThreads
    }

    /// Parses `HOST:PORT`, `[::1]:PORT` or `:PORT`.
    public static func parseListenAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            return nil
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        return (host, port)
    }
}

/// Token helpers: generation and a comparison that takes the same time wherever the bytes differ.
public enum WebhookToken {
    /// Shorter secrets are refused: an empty `--token "$UNSET"` would open every endpoint.
    public static let minimumLength = 16

    /// Why `token` cannot be a secret, or nil when it can.
    public static func problem(with token: String, name: String) -> String? {
        if token.isEmpty { return "\(name) is empty (an unset variable?)" }
        if token.count < minimumLength {
            return "\(name) must be at least \(minimumLength) characters (got \(token.count))"
        }
        if token.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "%" || $0.isWhitespace }) {
            return "\(name) must not contain '/', '?', '#', '%' or spaces"
        }
        return nil
    }

    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public static func matches(_ candidate: Substring, _ expected: String) -> Bool {
        let a = Array(candidate.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<b.count {
            difference |= (index < a.count ? a[index] : 0) ^ b[index]
        }
        return difference == 0
    }

    /// `abcd…wxyz` style masking for display.
    public static func masked(_ token: String) -> String {
        guard token.count > 8 else { return String(repeating: "•", count: token.count) }
        return String(token.prefix(4)) + "…" + String(token.suffix(4))
    }
}

/// What relays accepted deliveries elsewhere (`--forward`): the listener has it follow the stream
/// of what it made durable, and reports its queues in `/metrics`.
public protocol DeliveryRelay: AnyObject, Sendable {
    func follow(_ accepted: AcceptedDeliveries)
    /// Deliveries waiting, per target.
    var queued: [String: Int] { get }
}
