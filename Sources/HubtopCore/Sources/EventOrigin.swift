/// Which kind of sender a delivery came from. Docker Hub's events carry no `SourceFacts` (it is
/// the default and the most common); every other source's do.
public enum EventSource: String, Sendable, CaseIterable, Hashable {
    case dockerHub = "dockerhub"
    /// CNCF Distribution (`registry:2`, `registry:3`, Debian's `docker-registry`, GitLab's).
    case distribution
    case harbor
    case github
    case quay
    /// Azure Container Registry, directly or through Event Grid.
    case acr
    /// AWS ECR through EventBridge.
    case ecr
    /// Google Artifact Registry through a Pub/Sub push.
    case artifactRegistry = "gar"
    /// A CloudEvent of a type hubtop maps to a push but whose producer it does not know.
    case cloudEvents = "cloudevents"

    /// The short marker the history shows beside each row.
    public var marker: String {
        switch self {
        case .dockerHub: return "hub"
        case .distribution: return "dist"
        case .harbor: return "harb"
        case .github: return "ghcr"
        case .quay: return "quay"
        case .acr: return "acr"
        case .ecr: return "ecr"
        case .artifactRegistry: return "gar"
        case .cloudEvents: return "ce"
        }
    }

    /// For people: `Docker Hub`, `Distribution`, …
    public var title: String {
        switch self {
        case .dockerHub: return "Docker Hub"
        case .distribution: return "Distribution"
        case .harbor: return "Harbor"
        case .github: return "GitHub"
        case .quay: return "Quay"
        case .acr: return "Azure"
        case .ecr: return "AWS ECR"
        case .artifactRegistry: return "Artifact Registry"
        case .cloudEvents: return "CloudEvents"
        }
    }

    /// By its raw value or its marker (`--source`, the filter).
    public init?(named name: String) {
        let lowered = name.lowercased()
        if let source = EventSource(rawValue: lowered) {
            self = source
        } else if let source = EventSource.allCases.first(where: { $0.marker == lowered }) {
            self = source
        } else if lowered == "docker-hub" || lowered == "hub" {
            self = .dockerHub
        } else {
            return nil
        }
    }
}

/// What happened in the registry.
public enum EventAction: String, Sendable, Hashable {
    case push
    /// A tag or manifest gone.
    case delete
    /// A vulnerability scan finished (Harbor).
    case scan
}

/// How hubtop knew the sender: what the request proved.
public enum SenderProof: String, Sendable, Hashable {
    /// The secret token in the URL path.
    case urlToken = "url-token"
    /// The token in an `Authorization` header.
    case headerToken = "header-token"
    /// A valid HMAC signature of the body (GitHub's `X-Hub-Signature-256`).
    case signature
    /// Nothing beyond the URL token, where the source could sign and no secret is set.
    case unsigned
}

/// A vulnerability scan's summary: counts by severity, highest first.
public struct ScanSummary: Sendable, Hashable {
    public var severity: String?
    public var counts: [(severity: String, count: Int)]
    public var total: Int?
    public var fixable: Int?
    public var scanner: String?

    public init(
        severity: String? = nil, counts: [(severity: String, count: Int)] = [], total: Int? = nil,
        fixable: Int? = nil, scanner: String? = nil
    ) {
        self.severity = severity
        self.counts = counts
        self.total = total
        self.fixable = fixable
        self.scanner = scanner
    }

    public static func == (lhs: ScanSummary, rhs: ScanSummary) -> Bool {
        lhs.severity == rhs.severity && lhs.total == rhs.total && lhs.fixable == rhs.fixable
            && lhs.scanner == rhs.scanner && lhs.counts.elementsEqual(rhs.counts, by: { $0 == $1 })
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(severity)
        hasher.combine(total)
        for (severity, count) in counts {
            hasher.combine(severity)
            hasher.combine(count)
        }
    }

    /// Whether it found anything critical or high.
    public var isSevere: Bool {
        counts.contains { ["critical", "high"].contains($0.severity.lowercased()) && $0.count > 0 }
            || (counts.isEmpty && ["critical", "high"].contains(severity?.lowercased() ?? ""))
    }

    /// For a history row: `2C 5H` (initials of the non-zero counts), `clean`, or the severity.
    public var mark: String {
        let parts = counts.filter { $0.count > 0 }.prefix(2).map {
            "\($0.count)\($0.severity.prefix(1).uppercased())"
        }
        if !parts.isEmpty { return parts.joined(separator: " ") }
        if let total, total == 0 { return "clean" }
        return severity.map { String($0.lowercased().prefix(8)) } ?? "scanned"
    }

    /// `2 critical, 5 high` (the non-zero counts), or the overall severity.
    public var text: String {
        let parts = counts.filter { $0.count > 0 }.map { "\($0.count) \($0.severity.lowercased())" }
        if !parts.isEmpty { return parts.joined(separator: ", ") }
        if let total, total == 0 { return "no vulnerabilities" }
        return severity.map { $0.lowercased() } ?? "scanned"
    }
}

/// What a delivery from a registry other than Docker Hub says beyond a Docker Hub push: where
/// it came from, what happened, and how it was proven. Shared, immutable: events cost one
/// pointer for it (none for Docker Hub's).
public final class SourceFacts: Sendable, Equatable, Hashable {
    public let source: EventSource
    public let action: EventAction
    /// The registry's host (`ghcr.io`, `registry.internal:5000`); also the repository's prefix.
    public let host: String?
    /// The pushed manifest's (or index's) digest.
    public let digest: String?
    /// `linux/amd64`, … when the sender names them.
    public let platforms: [String]
    /// What identifies a redelivery of the same event (`distribution:<id>`, GitHub's delivery,
    /// a CloudEvent's source and id); nil when the source gives none.
    public let deliveryKey: String?
    public let proof: SenderProof?
    /// A scan's result (a `.scan` event).
    public let scan: ScanSummary?
    /// The OCI source and revision labels, when the sender carries them (GitHub).
    public let sourceURL: String?
    public let revision: String?

    public init(
        source: EventSource, action: EventAction = .push, host: String? = nil, digest: String? = nil,
        platforms: [String] = [], deliveryKey: String? = nil, proof: SenderProof? = nil,
        scan: ScanSummary? = nil, sourceURL: String? = nil, revision: String? = nil
    ) {
        self.source = source
        self.action = action
        self.host = host
        self.digest = digest
        self.platforms = platforms
        self.deliveryKey = deliveryKey
        self.proof = proof
        self.scan = scan
        self.sourceURL = sourceURL
        self.revision = revision
    }

    /// The same facts with another proof, event id or source.
    func with(proof: SenderProof?? = nil, deliveryKey: String?? = nil, source: EventSource? = nil)
        -> SourceFacts
    {
        SourceFacts(
            source: source ?? self.source, action: action, host: host, digest: digest, platforms: platforms,
            deliveryKey: deliveryKey ?? self.deliveryKey, proof: proof ?? self.proof, scan: scan,
            sourceURL: sourceURL, revision: revision)
    }

    public static func == (lhs: SourceFacts, rhs: SourceFacts) -> Bool {
        lhs === rhs
            || (lhs.source == rhs.source && lhs.action == rhs.action && lhs.host == rhs.host
                && lhs.digest == rhs.digest && lhs.platforms == rhs.platforms
                && lhs.deliveryKey == rhs.deliveryKey && lhs.proof == rhs.proof && lhs.scan == rhs.scan
                && lhs.sourceURL == rhs.sourceURL && lhs.revision == rhs.revision)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(action)
        hasher.combine(host)
        hasher.combine(digest)
        hasher.combine(deliveryKey)
    }

    /// Bytes held, for the memory budget.
    var cost: Int {
        64 + [host, digest, deliveryKey, sourceURL, revision].reduce(0) { $0 + ($1?.utf8.count ?? 0) }
            + platforms.reduce(0) { $0 + 16 + $1.utf8.count } + (scan == nil ? 0 : 96)
    }
}

extension WebhookPayload {
    /// Where the event came from; Docker Hub when it carries no facts of another source.
    public var source: EventSource { origin?.source ?? .dockerHub }
    public var action: EventAction { origin?.action ?? .push }
}

/// A sender's greeting (GitHub's `ping` when a webhook is made): shown in the header, not stored
/// as an event.
public struct SenderPing: Sendable, Equatable {
    public var text: String
    public var at: Double

    public init(text: String, at: Double) {
        self.text = text
        self.at = at
    }
}
