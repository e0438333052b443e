/// The same image in two registries: a digest that lands from two sources (a Docker Hub push
/// mirrored into GHCR or Harbor) links the pushes both ways.
extension StoreState {
    /// Links `id` with the stored pushes of `digest` in other registries (called as its digest
    /// becomes known, before it becomes the digest's newest owner).
    mutating func linkMirrors(_ id: UInt64, digest: String) {
        guard let previous = digestOwners[digest], previous != id, let mine = event(id: id) else { return }
        let partners = ([previous] + (mirrors[previous] ?? [])).filter { other in
            other != id && event(id: other).map { Self.registry(of: $0) != Self.registry(of: mine) } == true
        }
        for partner in partners where !(mirrors[id]?.contains(partner) ?? false) {
            mirrors[id, default: []].append(partner)
            mirrors[partner, default: []].append(id)
            bytes += 2 * MemoryCost.mirrorLink
        }
    }

    /// The registry an event came from: its host, or Docker Hub's.
    static func registry(of event: StoredEvent) -> String { event.payload.origin?.host ?? "" }

    /// At eviction: the event's links go both ways.
    mutating func forgetMirrors(of id: UInt64) {
        guard !mirrors.isEmpty, let partners = mirrors.removeValue(forKey: id) else { return }
        for partner in partners {
            mirrors[partner]?.removeAll { $0 == id }
            if mirrors[partner]?.isEmpty == true { mirrors[partner] = nil }
            bytes -= 2 * MemoryCost.mirrorLink
        }
    }

    /// Whether a push is not (yet) seen in another registry though it landed before `cutoff`:
    /// `--mirror-lag`'s failed syncs. Only pushes whose digest is known can be compared.
    func isUnmirrored(_ index: Int, before cutoff: Double) -> Bool {
        let event = columns.events[index]
        guard event.payload.action == .push, event.payload.artifact == nil,
            event.pushedOrReceivedAt <= cutoff,
            images[event.id] != nil
        else { return false }
        return mirrors[event.id] == nil
    }
}

extension MemoryCost {
    /// One direction of a link: an id in a partner's list, with its share of the entry.
    static let mirrorLink = 24
}
