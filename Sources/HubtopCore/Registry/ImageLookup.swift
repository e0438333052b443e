/// When hubtop asks a registry about pushed images (`--enrich`).
public enum EnrichmentMode: String, Sendable, CaseIterable {
    /// When the Dockerfile viewer or the detail opens on an event without a Dockerfile.
    case onDemand = "on-demand"
    /// On demand, and a HEAD (not counted against pull limits) for each new delivery's digest.
    case auto
    /// Never touch the network.
    case off
}

/// One image to look up for an event: the tag it was pushed as, or its digest once known.
public struct ImageRequest: Hashable, Sendable {
    public var eventID: UInt64
    public var repository: String
    /// A digest when the event's is known, else the tag.
    public var reference: String
    /// Which platform's config to fetch (an index into the image's platforms); nil: the preferred.
    public var platform: Int?

    public init(eventID: UInt64, repository: String, reference: String, platform: Int? = nil) {
        self.eventID = eventID
        self.repository = repository
        self.reference = reference
        self.platform = platform
    }

    /// Registry names are without Docker Hub's implicit `library/` for official images.
    public static func registryName(_ repository: String) -> String {
        repository.contains("/") ? repository : "library/" + repository
    }
}

/// Where a lookup stands, as the dashboard shows it.
public enum ImageLookup: Equatable, Sendable {
    case loading
    case failed(String)
    /// `byTag`: looked up by the tag as it is now (the push's own digest was not known).
    case found(RegistryImage, byTag: Bool)

    public var image: RegistryImage? {
        if case .found(let image, _) = self { return image }
        return nil
    }
}

/// What the store keeps of an event's image: small, so that every event may have one.
public struct ImageFacts: Sendable, Equatable {
    public var digest: String
    /// `os/arch[/variant]` of each platform, once a GET of the index has told.
    public var platforms: [String]
    /// The same digest as the previous push of the tag: a re-push.
    public internal(set) var unchanged = false

    public init(digest: String, platforms: [String] = []) {
        self.digest = digest
        self.platforms = platforms
    }

    /// `sha256:0123456789ab` → `0123456789ab` (12 hex digits, as `docker images` shows).
    public var shortDigest: String { Self.short(digest) }

    public static func short(_ digest: String) -> String {
        let hex = digest.split(separator: ":").last.map(String.init) ?? digest
        return String(hex.prefix(12))
    }
}
