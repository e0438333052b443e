/// How far to trust an event: what hubtop saw of the request that delivered it. Payloads are
/// unsigned, so this is all there is to go on. A class, so that events without it (and the
/// many that share nothing) cost one pointer.
public final class DeliveryInfo: Sendable, Hashable {
    public enum Origin: String, Sendable {
        /// POSTed to the webhook URL: the path token matched.
        case webhook
        case demo
        /// Replayed from the journal at start.
        case journal
    }

    public let origin: Origin
    /// The peer address of the connection.
    public let source: String?
    public let userAgent: String?
    /// `X-Forwarded-For` as sent; believed only when `forwardedForTrusted` (`--trust-proxy`).
    public let forwardedFor: String?
    public let forwardedForTrusted: Bool
    /// The `--allow-repo` pattern the repository matched; nil when no allowlist is set.
    public let allowedBy: String?
    /// hubtop's id for this delivery, sent on as `X-Hubtop-Delivery` when forwarding.
    public let deliveryID: String?

    public init(
        origin: Origin, source: String? = nil, userAgent: String? = nil, forwardedFor: String? = nil,
        forwardedForTrusted: Bool = false, allowedBy: String? = nil, deliveryID: String? = nil
    ) {
        self.origin = origin
        self.source = source
        self.userAgent = userAgent
        self.forwardedFor = forwardedFor
        self.forwardedForTrusted = forwardedForTrusted
        self.allowedBy = allowedBy
        self.deliveryID = deliveryID
    }

    /// The same, admitted by `pattern` of the allowlist.
    public func allowed(by pattern: String) -> DeliveryInfo {
        DeliveryInfo(
            origin: origin, source: source, userAgent: userAgent, forwardedFor: forwardedFor,
            forwardedForTrusted: forwardedForTrusted, allowedBy: pattern, deliveryID: deliveryID)
    }

    /// The client address to believe: behind a trusted proxy, the right-most `X-Forwarded-For`
    /// entry (the one that proxy added; anything left of it was written by the client).
    public var clientAddress: String? {
        if forwardedForTrusted, let hop = Self.lastForwardedHop(forwardedFor) { return hop }
        return source
    }

    /// The right-most entry of an `X-Forwarded-For` value, trimmed; nil when there is none.
    public static func lastForwardedHop(_ value: String?) -> String? {
        guard let last = value?.split(separator: ",").last else { return nil }
        let hop = String(last).trimmingASCIIWhitespace()
        return hop.isEmpty ? nil : String(hop)
    }

    /// The same with hubtop's id `<deliveryID>-<number>`: this one's id is the shared prefix.
    func numbered(_ number: UInt64) -> DeliveryInfo {
        DeliveryInfo(
            origin: origin, source: source, userAgent: userAgent, forwardedFor: forwardedFor,
            forwardedForTrusted: forwardedForTrusted, allowedBy: allowedBy,
            deliveryID: "\(deliveryID ?? "")-\(number)")
    }

    /// This delivery as what it shares with every other of its sender (the id's prefix) and
    /// its own number: the inverse of `numbered`. Nil when the id does not end in `-<number>`
    /// written as `numbered` writes it (a positive number without leading zeros).
    func splitNumber() -> (shared: DeliveryInfo, number: UInt64)? {
        guard let id = deliveryID?.utf8, let dash = id.lastIndex(of: UInt8(ascii: "-")) else { return nil }
        let digits = id[id.index(after: dash)...]
        guard (1...19).contains(digits.count), digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let number = UInt64(Substring(digits))
        else { return nil }
        let shared = DeliveryInfo(
            origin: origin, source: source, userAgent: userAgent, forwardedFor: forwardedFor,
            forwardedForTrusted: forwardedForTrusted, allowedBy: allowedBy,
            deliveryID: String(Substring(id[..<dash])))
        return (shared, number)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(origin)
        hasher.combine(source)
        hasher.combine(userAgent)
        hasher.combine(forwardedFor)
        hasher.combine(forwardedForTrusted)
        hasher.combine(allowedBy)
        hasher.combine(deliveryID)
    }

    public static func == (lhs: DeliveryInfo, rhs: DeliveryInfo) -> Bool {
        lhs.origin == rhs.origin && lhs.source == rhs.source && lhs.userAgent == rhs.userAgent
            && lhs.forwardedFor == rhs.forwardedFor && lhs.forwardedForTrusted == rhs.forwardedForTrusted
            && lhs.allowedBy == rhs.allowedBy && lhs.deliveryID == rhs.deliveryID
    }
}

/// What became of something hubtop did with an event afterwards: a forward to one target.
/// Kept beside the event for the detail view.
public struct IntegrationOutcome: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending
        /// Failed, and another attempt is scheduled.
        case retrying
        case delivered
        /// Gave up after the last attempt.
        case failed
        /// Not attempted: the target's queue was full.
        case dropped
    }

    /// `forward → host:port`.
    public var name: String
    public var state: State
    public var attempts: Int
    public var status: Int?
    public var detail: String?
    public var at: Double

    public init(
        name: String, state: State, attempts: Int = 0, status: Int? = nil, detail: String? = nil, at: Double
    ) {
        self.name = name
        self.state = state
        self.attempts = attempts
        self.status = status
        self.detail = detail
        self.at = at
    }
}

/// `--allow-repo`: deliveries for repositories matching none of the globs are refused.
public struct RepositoryAllowlist: Sendable {
    public let patterns: [GlobPattern]

    public init(_ patterns: [String]) {
        self.patterns = patterns.map(GlobPattern.init)
    }

    /// The pattern that admits `repository`, or nil when none does.
    public func admit(_ repository: String) -> GlobPattern? {
        patterns.first { $0.matches(repository) }
    }
}
