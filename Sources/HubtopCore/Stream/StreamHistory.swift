/// The stream's history: the events `store` held when it began (up to `newest`), oldest first,
/// a page at a time — so a million are never rendered at once — with repositories carried once.
public struct StreamHistory {
    let store: EventStore
    let newest: UInt64
    private var cursor: UInt64 = 0
    /// Carried on past the history when what follows goes to the same reader in order.
    public private(set) var encoder = StreamEncoder()

    public init(store: EventStore, newest: UInt64) {
        self.store = store
        self.newest = newest
    }

    /// Appends the next page's messages (framed, without ids) to `bytes`; false when none was left.
    public mutating func nextPage(limit: Int, into bytes: inout [UInt8]) -> Bool {
        let page = store.events(after: cursor, limit: limit).prefix { $0.id <= newest }
        guard let last = page.last else { return false }
        for event in page { ServerSentEvents.frame(id: nil, data: encoder.event(event), into: &bytes) }
        cursor = last.id
        return true
    }
}
