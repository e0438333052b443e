import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Repository objects decoded before, by their exact bytes: a repository's deliveries repeat
/// its `repository` object byte for byte (description, Dockerfile, flags) until something in
/// it changes, so most deliveries need not decode it again — nor make its strings — and the
/// store is handed the same info box each time. Only objects whose decoding needed no repair
/// and kept no unknown field are remembered, so a hit decodes exactly as a miss would.
///
/// Bounded in bytes as well as entries, and outside the store's memory budget: objects over
/// `largest` bytes are not remembered, and past `byteLimit` (the objects and the infos made
/// from them, counted as twice their bytes) it starts over.
public final class RepositoryCache: Sendable {
    struct Entry {
        let bytes: [UInt8]
        let box: RepositoryBox
    }

    /// Objects remembered before starting over (a few hundred repositories send to a hubtop).
    let limit: Int
    static let largest = 16 << 10
    static let byteLimit = 4 << 20
    private let entries = Mutex<(table: [UInt64: Entry], bytes: Int)>(([:], 0))

    public init(limit: Int = 4096) {
        self.limit = max(1, limit)
    }

    func lookUp(_ bytes: UnsafeBufferPointer<UInt8>) -> RepositoryBox? {
        guard bytes.count <= Self.largest else { return nil }
        let key = Self.key(bytes)
        guard let entry = entries.withLock({ $0.table[key] }) else { return nil }
        // The hash picks the entry; the bytes decide.
        guard entry.bytes.count == bytes.count, let incoming = bytes.baseAddress else { return nil }
        let same = entry.bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, incoming, bytes.count) == 0 }
        return same ? entry.box : nil
    }

    func remember(_ bytes: UnsafeBufferPointer<UInt8>, _ box: RepositoryBox) {
        guard bytes.count <= Self.largest else { return }
        let entry = Entry(bytes: Array(bytes), box: box)
        let key = Self.key(bytes)
        let cost = 2 * bytes.count + 256
        // What is let go is freed after the lock.
        var released: [UInt64: Entry] = [:]
        entries.withLock { entries in
            if entries.table.count >= limit || entries.bytes + cost > Self.byteLimit {
                released = entries.table
                entries = ([:], 0)
            }
            if entries.table.updateValue(entry, forKey: key) == nil { entries.bytes += cost }
        }
        released.removeAll()
    }

    var count: Int { entries.withLock { $0.table.count } }

    static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        Checksum64.of(UnsafeRawBufferPointer(bytes), seed: 0x7265_706F_6361_6368)
    }
}
