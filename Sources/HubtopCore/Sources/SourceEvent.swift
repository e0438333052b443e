/// One event of a registry other than Docker Hub, as its decoder read it: the fields every
/// source maps to, before it becomes a stored payload.
struct SourceEvent {
    var source: EventSource
    var action: EventAction = .push
    var host: String?
    /// Without the host.
    var repository: String
    var tag: String?
    var digest: String?
    var platforms: [String] = []
    var pusher: String?
    var time: Double?
    var deliveryKey: String?
    var mediaType: String?
    var scan: ScanSummary?
    var sourceURL: String?
    var revision: String?

    init(source: EventSource, repository: String) {
        self.source = source
        self.repository = repository
    }

    /// The longest host, digest or label kept; longer ones are cut (names over Docker Hub's
    /// limits refuse the delivery, as Docker Hub's own do).
    static let maximumHostLength = 255
    static let maximumTextLength = 2048
    static let maximumPlatforms = 64

    /// The payload the store keeps: the repository named with its host (`ghcr.io/acme/api`).
    func payload(proof: SenderProof?) throws(PayloadError) -> WebhookPayload {
        let host = host.map { String($0.lowercased().prefix(Self.maximumHostLength)) }.flatMap {
            $0.isEmpty ? nil : $0
        }
        var name = repository
        while name.hasPrefix("/") { name.removeFirst() }
        guard !name.isEmpty else {
            throw PayloadError(.missingRepository, "the \(source.title) event names no repository")
        }
        let full = host.map { "\($0)/\(name)" } ?? name
        guard full.utf8.count <= PayloadDecoder.maximumRepositoryNameLength + Self.maximumHostLength + 1
        else {
            throw PayloadError(.fieldOutOfRange, "the repository name is longer than Docker Hub allows")
        }
        if let tag, tag.utf8.count > PayloadDecoder.maximumTagLength {
            throw PayloadError(
                .fieldOutOfRange, "the tag is longer than \(PayloadDecoder.maximumTagLength) bytes")
        }
        var info = RepositoryInfo(repoName: full)
        if let slash = full.lastIndex(of: "/") {
            info.namespace = String(full[..<slash])
            info.name = String(full[full.index(after: slash)...])
        } else {
            info.name = full
        }
        var payload = WebhookPayload(
            pushedAt: time, pusher: pusher.map { Self.cut($0, 255) }.flatMap { $0.isEmpty ? nil : $0 },
            tag: tag.flatMap { $0.isEmpty ? nil : $0 }, repository: info)
        if let mediaType { payload.mediaType = Self.cut(mediaType, 255) }
        payload.origin = SourceFacts(
            source: source, action: action, host: host, digest: digest.flatMap(Self.validDigest),
            platforms: Array(platforms.prefix(Self.maximumPlatforms).map { Self.cut($0, 64) }),
            deliveryKey: deliveryKey.map { Self.cut($0, Self.maximumTextLength) }, proof: proof, scan: scan,
            sourceURL: sourceURL.map { Self.cut($0, Self.maximumTextLength) },
            revision: revision.map { Self.cut($0, 128) })
        return payload
    }

    static func cut(_ text: String, _ limit: Int) -> String {
        text.utf8.count <= limit ? text : text.cutToUTF8(limit)
    }

    /// `algorithm:hex` with a known algorithm and the right length; anything else is absent
    /// (published examples carry 40-hex "sha256" digests).
    static func validDigest(_ text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let algorithm = text[..<colon]
        let hex = text[text.index(after: colon)...]
        let length: Int
        switch algorithm {
        case "sha256": length = 64
        case "sha384": length = 96
        case "sha512": length = 128
        default: return nil
        }
        guard hex.utf8.count == length,
            hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { return nil }
        return text
    }
}

/// What one delivery of any source decoded to.
public struct DecodedDelivery: Sendable {
    public var format: WebhookFormat
    /// The events to store (none for a blob push, a pull, a ping).
    public var events: [WebhookPayload] {
        get { first.map { [$0] + more } ?? [] }
        set {
            first = newValue.first
            more = Array(newValue.dropFirst())
        }
    }
    /// The first event, and the rest: one event (nearly every delivery) costs no array.
    var first: WebhookPayload?
    var more: [WebhookPayload] = []
    /// Pulls by tag, counted rather than stored.
    public var pulls: [PullCount] = []
    /// Untagged per-platform manifests, folded under the push of their index.
    public var children: [ChildManifest] = []
    /// Why nothing was stored, when nothing was: said in the answer.
    public var note: String?
    /// A sender's greeting (GitHub's `ping`), for the dashboard's header.
    public var ping: String?

    /// One Docker Hub event: the hot path, no array.
    init(dockerHub payload: WebhookPayload) {
        format = .dockerHub
        first = payload
    }

    init(format: WebhookFormat, events: [WebhookPayload] = [], pulls: [PullCount] = [], note: String? = nil) {
        self.format = format
        self.first = events.first
        self.more = Array(events.dropFirst())
        self.pulls = pulls
        self.note = note
    }
}

/// A platform's manifest pushed by digest ahead of (or beside) its tagged index: GitHub sends a
/// delivery for each, Harbor an artifact, Distribution an event.
public struct ChildManifest: Sendable, Hashable {
    /// With its host, as the store names it.
    public var repository: String
    public var digest: String

    public init(repository: String, digest: String) {
        self.repository = repository
        self.digest = digest
    }
}

/// One pull of a tag, as a registry reported it.
public struct PullCount: Sendable, Hashable {
    public var repository: String
    public var tag: String

    public init(repository: String, tag: String) {
        self.repository = repository
        self.tag = tag
    }
}

/// The webhook formats hubtop reads, in the order it tells them apart.
public enum WebhookFormat: String, Sendable, CaseIterable {
    case github = "GitHub"
    case distribution = "Distribution"
    case cloudEvents = "CloudEvents"
    case harbor = "Harbor"
    case quay = "Quay"
    case acr = "Azure Container Registry"
    case ecr = "AWS ECR (EventBridge)"
    case artifactRegistry = "Google Artifact Registry (Pub/Sub)"
    case dockerHub = "Docker Hub"

    /// For error messages: every format hubtop understands.
    static var understood: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
