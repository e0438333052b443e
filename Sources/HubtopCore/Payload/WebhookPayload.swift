/// One Docker Hub webhook delivery, decoded tolerantly.
///
/// Optional fields are optional because real deliveries differ by era: early ones had no tag,
/// some have no images or Dockerfile, and newer ones add fields we have never seen (`extras`).
public struct WebhookPayload: Sendable, Equatable {
    public var callbackURL: String?
    public var pushedAt: Double?
    public var pusher: String?
    public var tag: String?
    /// Image ids/digests; placeholder entries such as `"..."` are dropped. Packed: a store holds
    /// a million of these.
    public var images: ImageList
    /// Shared between events while it stays the same (the store keeps one per repository):
    /// most pushes repeat their repository's description, Dockerfile and flags.
    public var repository: RepositoryInfo {
        get { repositoryBox.value }
        set { repositoryBox = RepositoryBox(newValue) }
    }
    var repositoryBox: RepositoryBox
    /// `push_data.media_type`: what was pushed (an image index, a manifest, an artifact).
    public var mediaType: String?
    /// `dhi_metadata`: the change log of a Docker Hardened Images push.
    public var dhi: DHIMetadata?
    /// Fields hubtop does not interpret, by dotted path (`push_data.x`), kept for display.
    public var extras: [ExtraField]
    /// What was repaired or coerced while decoding, in short phrases.
    public var repairs: [String]

    public init(
        callbackURL: String? = nil, pushedAt: Double? = nil, pusher: String? = nil, tag: String? = nil,
        images: [String] = [], repository: RepositoryInfo, extras: [ExtraField] = [], repairs: [String] = []
    ) {
        self.callbackURL = callbackURL
        self.pushedAt = pushedAt
        self.pusher = pusher
        self.tag = tag
        self.images = ImageList(images)
        self.repositoryBox = RepositoryBox(repository)
        self.extras = extras
        self.repairs = repairs
    }
}

/// The `repository` object of a delivery.
public struct RepositoryInfo: Sendable, Hashable {
    /// `namespace/name`; always present on a decoded payload.
    public var repoName: String
    public var namespace: String?
    public var name: String?
    public var owner: String?
    public var description: String?
    public var fullDescription: String?
    public var dockerfile: String?
    public var isOfficial: Bool?
    public var isPrivate: Bool?
    public var isTrusted: Bool?
    public var commentCount: Double?
    public var starCount: Double?
    public var dateCreated: Double?
    public var repoURL: String?
    public var status: String?

    public init(repoName: String) {
        self.repoName = repoName
    }
}

/// A field kept verbatim because hubtop does not know it: its JSON text as sent, which costs
/// its length (a tree of boxed values cost about fifteen times that).
public struct ExtraField: Sendable, Equatable {
    public var path: String
    /// The value's JSON text as it arrived.
    public var json: String

    public init(path: String, json: String) {
        self.path = path
        self.json = json
    }

    public init(path: String, value: JSONValue) {
        self.init(path: path, json: value.jsonText)
    }

    /// The value, parsed on demand (for display).
    public var value: JSONValue { (try? JSONValue.parse(json)) ?? .string(json) }
}

/// An immutable, shared `RepositoryInfo`; compared by value.
final class RepositoryBox: Sendable, Equatable {
    let value: RepositoryInfo

    init(_ value: RepositoryInfo) {
        self.value = value
    }

    static func == (lhs: RepositoryBox, rhs: RepositoryBox) -> Bool {
        lhs === rhs || lhs.value == rhs.value
    }
}
