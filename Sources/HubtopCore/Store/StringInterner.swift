/// Shares one copy of each repeated string (repository names, tags, pushers, Dockerfiles):
/// a store of a million events holds a few hundred distinct values of each.
struct StringInterner {
    private var table: Set<String> = []
    /// Evicted events' strings are never removed one by one; starting over past this size keeps
    /// hostile streams of unique values from growing the table without bound.
    private let limit = 65_536

    mutating func intern(_ string: String) -> String {
        if let existing = table.firstIndex(of: string) { return table[existing] }
        if table.count >= limit { table.removeAll(keepingCapacity: true) }
        table.insert(string)
        return string
    }

    mutating func intern(_ string: String?) -> String? {
        string.map { intern($0) }
    }

    mutating func intern(_ payload: inout WebhookPayload) {
        payload.pusher = intern(payload.pusher)
        payload.tag = intern(payload.tag)
        payload.repository.repoName = intern(payload.repository.repoName)
        payload.repository.namespace = intern(payload.repository.namespace)
        payload.repository.name = intern(payload.repository.name)
        payload.repository.owner = intern(payload.repository.owner)
        payload.repository.description = intern(payload.repository.description)
        payload.repository.fullDescription = intern(payload.repository.fullDescription)
        payload.repository.dockerfile = intern(payload.repository.dockerfile)
        payload.repository.repoURL = intern(payload.repository.repoURL)
        payload.repository.status = intern(payload.repository.status)
    }
}
