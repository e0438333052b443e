/// One Docker Hub webhook delivery, decoded tolerantly.
///
/// Optional fields are optional because real deliveries differ by era: early ones had no tag,
/// some have no images or Dockerfile, and newer ones add fields we have never seen (`extras`).
public struct WebhookPayload: Sendable, Equatable {
    public var callbackURL: String?
    public var pushedAt: Double?
    public var pusher: String?
    public var tag: String?
    /// Image ids/digests; placeholder entries such as `"..."` are dropped.
    public var images: [String]
    public var repository: RepositoryInfo
    /// Fields hubtop does not interpret, by dotted path (`push_data.media_type`), kept for display.
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
        self.images = images
        self.repository = repository
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

/// A field kept verbatim because hubtop does not know it.
public struct ExtraField: Sendable, Equatable {
    public var path: String
    public var value: JSONValue

    public init(path: String, value: JSONValue) {
        self.path = path
        self.value = value
    }
}
