import Testing

@testable import HubtopCore

/// What the stored events really hold on the heap, found by walking them with `Mirror` — the
/// store's own count never sees this walk, so a field it forgets shows up as a difference.
struct HeapWalk {
    private var strings = Set<UnsafeRawPointer>()
    private var objects = Set<ObjectIdentifier>()
    private(set) var bytes = 0

    mutating func add(_ value: Any) {
        if let string = value as? String {
            let count = string.utf8.count
            // Up to 15 bytes a `String` holds inline; longer ones are shared by address.
            guard count > 15 else { return }
            let base =
                string.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
            if let base, !strings.insert(base).inserted { return }
            bytes += count
            return
        }
        if let array = value as? [UInt8] {
            let base = array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            if let base, !strings.insert(base).inserted { return }
            bytes += array.count
            return
        }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .class, !objects.insert(ObjectIdentifier(value as AnyObject)).inserted {
            return
        }
        for child in mirror.children { add(child.value) }
    }
}

@Suite struct HeldBytesTests {
    /// A delivery with every text field Docker Hub sends, an unknown one, a media type and DHI
    /// metadata; `FIELD` marks where the large value goes.
    static let fields: [String: String] = [
        "callback_url": #""callback_url":"https://registry.hub.docker.com/u/a/b/hook/FIELD/""#,
        "pusher": #""pusher":"FIELD""#, "tag": #""tag":"FIELD""#, "media_type": #""media_type":"FIELD""#,
        "namespace": #""namespace":"FIELD""#, "name": #""name":"FIELD""#, "owner": #""owner":"FIELD""#,
        "description": #""description":"FIELD""#, "full_description": #""full_description":"FIELD""#,
        "dockerfile": #""dockerfile":"FIELD""#, "repo_url": #""repo_url":"FIELD""#,
        "status": #""status":"FIELD""#, "unknown": #""x_unknown":"FIELD""#, "image": #""images":["FIELD"]"#,
    ]

    static func body(large field: String, value: String, index: Int) -> String {
        func member(_ name: String, _ plain: String) -> String {
            (fields[name] ?? "").replacingFIELD(with: name == field ? value : plain)
        }
        let push = [
            member("pusher", "ci-bot"), member("tag", "v\(index)"),
            member("media_type", "application/vnd.oci"),
            member("image", "sha256:" + String(repeating: "ab", count: 32)), #""pushed_at":\#(index)"#,
        ]
        let repository = [
            #""repo_name":"held/r\#(index % 3)""#, member("namespace", "held"), member("name", "r"),
            member("owner", "held"), member("description", "d"), member("full_description", "f"),
            member("dockerfile", "FROM scratch"), member("repo_url", "https://hub.docker.com/r/held/r"),
            member("status", "Active"), member("unknown", "u"),
        ]
        return "{" + member("callback_url", "c\(index)") + #","push_data":{"# + push.joined(separator: ",")
            + #"},"repository":{"# + repository.joined(separator: ",") + "}}"
    }

    @Test(arguments: fields.keys.sorted())
    func whateverFieldASenderFillsTheStoreCountsWhatItHolds(_ field: String) {
        let budget = 8 << 20
        let store = EventStore(capacity: 100_000, memoryBudget: budget)
        for index in 0..<12 {
            // Distinct values: nothing to share between events.
            let value = "\(index)-" + String(repeating: "v", count: 900_000)
            guard
                let payload = try? PayloadDecoder.decode(Self.body(large: field, value: value, index: index))
            else { continue }  // refused (a 900 KB tag): nothing stored
            store.ingest(payload, receivedAt: Double(index))
            var walk = HeapWalk()
            let events = store.events(limit: 100).events
            for event in events { walk.add(event) }
            let counted = store.totals.bytes
            #expect(counted == store.recountedBytes(), "the running count never drifts")
            #expect(walk.bytes <= counted, "\(field): held \(walk.bytes) B, counted \(counted) B")
            #expect(counted <= budget, "\(field): \(counted) B over the budget")
            // And the count is not far above what is held: fixed shares only.
            #expect(counted <= walk.bytes + events.count * 2_048 + 16_384, "\(field): counted \(counted) B")
        }
    }
}

extension String {
    fileprivate func replacingFIELD(with value: String) -> String {
        split(separator: "FIELD", omittingEmptySubsequences: false).joined(separator: value)
    }
}
