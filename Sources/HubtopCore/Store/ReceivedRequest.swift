import DequeModule

/// One delivery as it arrived, for the raw request inspector: the request line, the headers in
/// order, the body as bytes, and what hubtop answered. Kept in a bounded log beside the events
/// (see `RequestLog`); headers and body are capped per delivery, and what is cut is said.
public struct ReceivedRequest: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Header bytes (names and values) kept per delivery; later headers are dropped and counted.
    public static let headerByteLimit = 8 << 10
    /// Body bytes kept per delivery; a longer body is cut here (and cannot be copied or re-sent).
    public static let bodyByteLimit = 256 << 10

    /// hubtop's id for the delivery (`X-Hubtop-Delivery` when forwarded).
    public var deliveryID: String
    public var receivedAt: Double
    public var method: String
    /// The request target with the webhook token masked.
    public var path: String
    public var version: String
    public private(set) var headers: [Header] = []
    /// Headers not kept: beyond `headerByteLimit`.
    public private(set) var droppedHeaders = 0
    public private(set) var droppedHeaderBytes = 0
    public private(set) var body: [UInt8] = []
    /// The body's length as received (larger than `body.count` when it was cut).
    public private(set) var bodyLength = 0
    /// The status and JSON body hubtop answered with, and how long from the request's head to
    /// the answer (the journal's or database's write included).
    public var status: Int = 0
    public var answer: String = ""
    public var duration: Double = 0

    public init(deliveryID: String, receivedAt: Double, method: String, path: String, version: String) {
        self.deliveryID = deliveryID
        self.receivedAt = receivedAt
        self.method = method
        self.path = path
        self.version = version
    }

    /// Adds a header unless the kept ones already reach `headerByteLimit`.
    public mutating func addHeader(_ name: String, _ value: String) {
        let size = name.utf8.count + value.utf8.count
        guard droppedHeaders == 0, headerBytes + size <= Self.headerByteLimit else {
            droppedHeaders += 1
            droppedHeaderBytes += size
            return
        }
        headers.append(Header(name, value))
    }

    public mutating func setBody<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        bodyLength = bytes.count
        body = Array(bytes.prefix(Self.bodyByteLimit))
    }

    /// Whether the body is whole (it can be copied and re-sent as it was).
    public var bodyIsWhole: Bool { body.count == bodyLength }

    public var contentType: String? {
        headers.first { $0.name.lowercased() == "content-type" }?.value
    }

    var headerBytes: Int { headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count } }

    /// What holding it costs, roughly: the bytes plus a share for each string's allocation.
    var cost: Int {
        256 + body.count + headerBytes + 48 * headers.count + deliveryID.utf8.count + path.utf8.count
            + answer.utf8.count
    }
}

/// The newest deliveries' raw requests, by event, within a byte budget: the oldest go first.
struct RequestLog {
    /// 0 keeps none.
    let budget: Int
    private(set) var bytes = 0
    private var byEvent: [UInt64: [ReceivedRequest]] = [:]
    private var order = Deque<(id: UInt64, cost: Int)>()
    /// Deliveries whose request was let go to stay in the budget (or never kept: budget 0).
    private(set) var dropped = 0

    init(budget: Int) {
        self.budget = max(0, budget)
    }

    func requests(of id: UInt64) -> [ReceivedRequest] { byEvent[id] ?? [] }

    var count: Int { order.count }

    mutating func record(_ request: ReceivedRequest, for id: UInt64) {
        let cost = request.cost
        guard cost <= budget else {
            dropped += 1
            return
        }
        byEvent[id, default: []].append(request)
        order.append((id, cost))
        bytes += cost
        while bytes > budget, let oldest = order.popFirst() {
            bytes -= oldest.cost
            dropped += 1
            if var kept = byEvent[oldest.id], !kept.isEmpty {
                kept.removeFirst()
                byEvent[oldest.id] = kept.isEmpty ? nil : kept
            }
        }
    }

    /// The event is gone: its requests go with it.
    mutating func forget(_ id: UInt64) {
        guard let kept = byEvent.removeValue(forKey: id) else { return }
        var remaining = kept.count
        // Entries of a forgotten event are mostly at the front (events evict oldest first).
        var index = order.startIndex
        while remaining > 0, index < order.endIndex {
            if order[index].id == id {
                bytes -= order[index].cost
                order.remove(at: index)
                remaining -= 1
            } else {
                index += 1
            }
        }
    }
}
