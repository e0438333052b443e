/// `text/event-stream` (what smee, browsers and hubtop's `/stream` speak): framing on the
/// sending side, and a bounded incremental parser on the reading side.
public enum ServerSentEvents {
    /// One message: `id:` (when given) and one `data:` line (the JSON object has no raw newlines).
    public static func frame(id: String?, data: [UInt8], into out: inout [UInt8]) {
        if let id {
            out.append(contentsOf: "id: ".utf8)
            out.append(contentsOf: id.utf8)
            out.append(0x0A)
        }
        out.append(contentsOf: "data: ".utf8)
        out.append(contentsOf: data)
        out.append(contentsOf: [0x0A, 0x0A])
    }

    /// A comment line: keeps proxies from closing an idle stream, and is ignored by readers.
    public static let heartbeat = Array(": keepalive\n\n".utf8)
}

/// One event as read: its `data` lines joined, and the last `id` given.
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String?
    public var data: [UInt8]
}

/// Reads `text/event-stream` as it arrives, in any chunking. Hostile input is bounded: a line
/// or an event longer than `maximumEventBytes` is an error (not a buffer that grows).
public struct ServerSentEventParser {
    public let maximumEventBytes: Int
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var event: String?
    /// The last id: it outlives the event it came with, as the format says.
    public private(set) var lastID: String?
    private var afterCR = false

    public init(maximumEventBytes: Int = 16 << 20) {
        self.maximumEventBytes = maximumEventBytes
    }

    /// Feeds bytes; calls `handle` per whole event. Throws when a line or event is too long.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (ServerSentEvent) throws -> Void)
        throws
    {
        // A line at a time, not a byte at a time: a viewer catching up reads a million events.
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if afterCR {
                afterCR = false
                if bytes[index] == 0x0A {
                    index += 1
                    continue
                }
            }
            var end = index
            while end < bytes.endIndex && bytes[end] != 0x0A && bytes[end] != 0x0D { end += 1 }
            guard line.count + data.count + (end - index) <= maximumEventBytes else {
                throw StreamError(
                    "the stream sent a message longer than \(ByteSize.format(maximumEventBytes))")
            }
            line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
            guard end < bytes.endIndex else { return }
            afterCR = bytes[end] == 0x0D
            try endLine(handle)
            index = end + 1
        }
    }

    private mutating func endLine(_ handle: (ServerSentEvent) throws -> Void) throws {
        defer { line.removeAll(keepingCapacity: line.capacity <= 1 << 16) }
        if line.isEmpty {
            if hasData { try handle(ServerSentEvent(id: lastID, event: event, data: data)) }
            data.removeAll(keepingCapacity: data.capacity <= 1 << 16)
            hasData = false
            event = nil
            return
        }
        if line[0] == UInt8(ascii: ":") { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        let field = String(decoding: line[..<colon], as: UTF8.self)
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
        let value = line[valueStart...]
        switch field {
        case "data":
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        case "id":
            // An id with NUL is ignored, as the format says; a long one is cut.
            if !value.contains(0) { lastID = String(decoding: value.prefix(256), as: UTF8.self) }
        case "event": event = String(decoding: value.prefix(64), as: UTF8.self)
        default: break
        }
    }
}
