/// Long repository text (Dockerfiles, descriptions) shared between the infos that repeat it —
/// across repositories too — and counted by how many stored infos hold it, so that it is freed
/// (and uncounted from the memory budget) when the last of them is evicted. Short strings go
/// through the `StringInterner` instead.
struct TextPool {
    private var counts: [String: Int] = [:]

    /// Texts longer than this are pooled.
    static let shortest = 256

    static func isPooled(_ text: String?) -> Bool { (text?.utf8.count ?? 0) > shortest }

    /// The pooled fields of an info.
    static func pooled(_ info: RepositoryInfo) -> [String] {
        [info.dockerfile, info.description, info.fullDescription].compactMap { $0 }.filter { isPooled($0) }
    }

    /// The pool's copy of `text` when it holds one (so equal texts share storage), else `text`.
    func share(_ text: String?) -> String? {
        guard let text, Self.isPooled(text), let index = counts.index(forKey: text) else { return text }
        return counts.keys[index]
    }

    /// One more info holds `text`; returns the bytes it adds (its size the first time, else 0).
    mutating func hold(_ text: String) -> Int {
        let count = counts[text, default: 0]
        counts[text] = count + 1
        return count == 0 ? MemoryCost.text(text) : 0
    }

    /// One info fewer holds `text`; returns the bytes it frees.
    mutating func release(_ text: String) -> Int {
        guard let count = counts[text] else { return 0 }
        if count > 1 {
            counts[text] = count - 1
            return 0
        }
        counts[text] = nil
        return MemoryCost.text(text)
    }
}
