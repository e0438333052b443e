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
    /// Accepted deliveries are appended here before they are acknowledged.
    public var journal: Journal?
    /// A request must arrive whole within this time from its first byte (else `408`).
    public var requestTimeout: TimeAmount = .seconds(10)
    /// Connections beyond this are closed at once with `429`.
    public var maxConnections = 1024
    /// Requests a second per source address (bursts of twice that); nil: unlimited.
    public var rateLimit: Double? = 100
    public var maxURIBytes = 8192
    public var maxHeaderCount = 100
    public var maxHeaderBytes = 32_768
    /// `--trust-proxy`: believe `X-Forwarded-For` for the client address.
    public var trustProxy = false
    /// Prometheus metrics for `GET /metrics`; nil: no such endpoint.
    public var metrics: ListenerMetrics?
    /// `--metrics-public`: serve `/metrics` without the bearer token.
    public var metricsPublic = false
    /// `--forward`: relays accepted deliveries.
    public var forwarder: Forwarder?
    /// Legacy callbacks; with `autoCallback` set, each new event's callback is called with it.
    public var callbacks: CallbackSender?
    public var autoCallback: CallbackSender.State?

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
