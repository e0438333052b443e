/// Shares one copy of each repeated short string (repository names, tags, pushers, URLs):
/// a store of a million events holds a few hundred distinct values of each. Long text
/// (Dockerfiles, descriptions) is shared through the repository's info instead, so that it
/// goes when the events holding it are evicted.
struct StringInterner {
    private var table: Set<String> = []
    private var bytes = 0
    /// Longer strings are not interned.
    static let longest = 256
    /// Evicted events' strings are never removed one by one; starting over past these sizes
    /// keeps hostile streams of unique values from growing the table without bound.
    static let limit = 65_536
    static let byteLimit = 4 << 20

    mutating func intern(_ string: String) -> String {
        let size = string.utf8.count
        // Short strings live inline in their `String`: nothing to share.
        guard size > 15, size <= Self.longest else { return string }
        if let existing = table.firstIndex(of: string) { return table[existing] }
        if table.count >= Self.limit || bytes + size > Self.byteLimit {
            table.removeAll(keepingCapacity: false)
            bytes = 0
        }
        table.insert(string)
        bytes += size
        return string
    }

    mutating func intern(_ string: String?) -> String? {
        string.map { intern($0) }
    }

    /// The event's own short strings. Its repository info is interned only when it is new to
    /// the store (`intern(_: inout RepositoryInfo)`): most events share the stored one.
    mutating func intern(_ payload: inout WebhookPayload) {
        payload.pusher = intern(payload.pusher)
        if payload.rare?.mediaType != nil { payload.mediaType = intern(payload.mediaType) }
        payload.tag = intern(payload.tag)
        payload.callbackPrefix = intern(payload.callbackPrefix)
    }

    mutating func intern(_ info: inout RepositoryInfo) {
        info.repoName = intern(info.repoName)
        info.namespace = intern(info.namespace)
        info.name = intern(info.name)
        info.owner = intern(info.owner)
        info.description = intern(info.description)
        info.fullDescription = intern(info.fullDescription)
        info.dockerfile = intern(info.dockerfile)
        info.repoURL = intern(info.repoURL)
        info.status = intern(info.status)
    }
}
