/// The text stored events and repository infos repeat — tags, pushers, callback URLs, names,
/// Dockerfiles — held once, counted against the memory budget once, and freed with its last
/// holder. A holder is a stored event (its own fields) or a stored info (its fields): a
/// million events of a few hundred repositories hold a few hundred copies, and a sender of
/// ever new text pays for every byte of it, however the text repeats.
struct SharedText {
    /// Each pooled text, and how many holders it has.
    private var holders: [String: Int] = [:]

    /// Texts up to 15 UTF-8 bytes live inline in their `String`: nothing to share or count.
    static func isPooled(_ text: String) -> Bool { text.utf8.count > 15 }

    /// The pooled fields of an info.
    static func fields(of info: RepositoryInfo) -> [String?] {
        [
            info.repoName, info.namespace, info.name, info.owner, info.description, info.fullDescription,
            info.dockerfile, info.repoURL, info.status,
        ]
    }

    /// The pool's copy of `text` when it holds one, so that equal texts share storage; the
    /// holder is counted by `hold` when it is stored.
    func share(_ text: inout String?) {
        guard let value = text, Self.isPooled(value), let index = holders.index(forKey: value) else { return }
        text = holders.keys[index]
    }

    func share(_ info: inout RepositoryInfo) {
        share(&info.namespace)
        share(&info.name)
        share(&info.owner)
        share(&info.description)
        share(&info.fullDescription)
        share(&info.dockerfile)
        share(&info.repoURL)
        share(&info.status)
        var name: String? = info.repoName
        share(&name)
        info.repoName = name ?? info.repoName
    }

    /// One more holder of `text`, which becomes the pool's copy; returns the bytes it adds
    /// (its size the first time, else none).
    mutating func hold(_ text: inout String?) -> Int {
        guard let value = text, Self.isPooled(value) else { return 0 }
        if let index = holders.index(forKey: value) {
            text = holders.keys[index]
            holders.values[index] += 1
            return 0
        }
        holders[value] = 1
        return MemoryCost.pooled(value)
    }

    /// One more holder of `text` as it is (an info's field, already shared by `share`).
    mutating func hold(_ text: String?) -> Int {
        var text = text
        return hold(&text)
    }

    /// One holder fewer; returns the bytes freed when it was the last.
    mutating func release(_ text: String?) -> Int {
        guard let text, Self.isPooled(text), let index = holders.index(forKey: text) else { return 0 }
        if holders.values[index] > 1 {
            holders.values[index] -= 1
            return 0
        }
        holders.remove(at: index)
        return MemoryCost.pooled(text)
    }

    /// A stored event's own text (its info is held apart, with the info).
    mutating func hold(_ payload: inout WebhookPayload) -> Int {
        var bytes = hold(&payload.pusher) + hold(&payload.tag) + hold(&payload.callbackPrefix)
        if payload.rare?.mediaType != nil { bytes += hold(&payload.mediaType) }
        return bytes
    }

    mutating func release(_ payload: WebhookPayload) -> Int {
        release(payload.pusher) + release(payload.tag) + release(payload.callbackPrefix)
            + release(payload.rare?.mediaType)
    }
}
