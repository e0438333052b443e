import DequeModule

/// The raw parts of a request as the listener holds them — its own header list and body
/// buffer, retained rather than copied — read only when the inspector asks. Keeping a request
/// then costs a reference, not a copy, on every delivery's path.
public protocol RequestCapture: Sendable {
    /// The header fields in the order they were sent.
    var fields: [(name: String, value: String)] { get }
    /// The body as received.
    var bodyBytes: [UInt8] { get }
    var bodyCount: Int { get }
    /// What holding it costs (buffers' capacity, header bytes).
    var heldBytes: Int { get }
}

/// One delivery as it arrived, for the raw request inspector: the request line, the headers in
/// order, the body as bytes, and what hubtop answered. Kept in a bounded log beside the events
/// (see `RequestLog`); headers and body are capped per delivery when shown, and what is cut is
/// said.
public struct ReceivedRequest: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Header bytes (names and values) shown per delivery; later headers are dropped and counted.
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
    /// The status and JSON body hubtop answered with, and how long from the request's head to
    /// the answer (the journal's or database's write included).
    public var status: Int = 0
    public var answer: String = ""
    public var duration: Double = 0

    /// Headers and body given one by one (`addHeader`, `setBody`), or held as captured.
    private var fields: [Header] = []
    private var bytes: [UInt8] = []
    private var capture: (any RequestCapture)?

    public init(
        deliveryID: String, receivedAt: Double, method: String, path: String, version: String,
        capture: (any RequestCapture)? = nil
    ) {
        self.deliveryID = deliveryID
        self.receivedAt = receivedAt
        self.method = method
        self.path = path
        self.version = version
        self.capture = capture
    }

    public mutating func addHeader(_ name: String, _ value: String) {
        fields.append(Header(name, value))
    }

    public mutating func setBody<Bytes: Collection<UInt8>>(_ body: Bytes) {
        capture = nil
        bytes = Array(body)
    }

    private var allHeaders: [Header] {
        capture.map { $0.fields.map { Header($0.name, $0.value) } } ?? fields
    }

    /// The headers shown: in order, up to `headerByteLimit`.
    public var headers: [Header] { Self.split(allHeaders).kept }
    /// Headers not shown: beyond `headerByteLimit`.
    public var droppedHeaders: Int { Self.split(allHeaders).dropped }
    public var droppedHeaderBytes: Int { Self.split(allHeaders).droppedBytes }

    static func split(_ headers: [Header]) -> (kept: [Header], dropped: Int, droppedBytes: Int) {
        var kept: [Header] = []
        var bytes = 0
        var dropped = 0
        var droppedBytes = 0
        for header in headers {
            let size = header.name.utf8.count + header.value.utf8.count
            if dropped == 0 && bytes + size <= headerByteLimit {
                kept.append(header)
                bytes += size
            } else {
                dropped += 1
                droppedBytes += size
            }
        }
        return (kept, dropped, droppedBytes)
    }

    /// The body, up to `bodyByteLimit`.
    public var body: [UInt8] {
        let whole = capture?.bodyBytes ?? bytes
        return whole.count > Self.bodyByteLimit ? Array(whole.prefix(Self.bodyByteLimit)) : whole
    }

    /// The body's length as received (larger than `body.count` when it was cut).
    public var bodyLength: Int { capture?.bodyCount ?? bytes.count }

    /// Whether the body is whole (it can be copied and re-sent as it was).
    public var bodyIsWhole: Bool { bodyLength <= Self.bodyByteLimit }

    public var contentType: String? {
        allHeaders.first { $0.name.lowercased() == "content-type" }?.value
    }

    /// What holding it costs, roughly: the bytes plus a share for each string's allocation.
    var cost: Int {
        let held =
            capture?.heldBytes
            ?? (bytes.count + fields.reduce(0) { $0 + 48 + $1.name.utf8.count + $1.value.utf8.count })
        return 256 + held + deliveryID.utf8.count + path.utf8.count + answer.utf8.count
    }

    public static func == (lhs: ReceivedRequest, rhs: ReceivedRequest) -> Bool {
        lhs.deliveryID == rhs.deliveryID && lhs.receivedAt == rhs.receivedAt && lhs.method == rhs.method
            && lhs.path == rhs.path && lhs.version == rhs.version && lhs.status == rhs.status
            && lhs.answer == rhs.answer && lhs.duration == rhs.duration && lhs.allHeaders == rhs.allHeaders
            && lhs.bodyLength == rhs.bodyLength && lhs.body == rhs.body
    }
}

/// The newest deliveries' raw requests, oldest first, within a byte budget: the oldest go
/// first. One queue and no per-event table: recording is on every delivery's path, while only
/// the inspector asks for an event's requests (a scan of what the budget holds, thousands).
/// An evicted event's requests are not looked for again and leave with the budget's turn.
struct RequestLog {
    /// 0 keeps none.
    let budget: Int
    private(set) var bytes = 0
    private var order = Deque<(id: UInt64, cost: Int, request: ReceivedRequest)>()
    /// Deliveries whose request was let go to stay in the budget (or never kept: too large).
    private(set) var dropped = 0

    init(budget: Int) {
        self.budget = max(0, budget)
    }

    func requests(of id: UInt64) -> [ReceivedRequest] {
        order.filter { $0.id == id }.map(\.request)
    }

    var count: Int { order.count }

    mutating func record(_ request: ReceivedRequest, for id: UInt64, cost: Int? = nil) {
        let cost = cost ?? request.cost
        guard cost <= budget else {
            dropped += 1
            return
        }
        order.append((id, cost, request))
        bytes += cost
    }

    /// The oldest request while the log is over its budget: the caller lets it go (outside
    /// the store's lock, where freeing it holds no one up).
    mutating func popOverBudget() -> ReceivedRequest? {
        guard bytes > budget, let oldest = order.popFirst() else { return nil }
        bytes -= oldest.cost
        dropped += 1
        return oldest.request
    }
}
