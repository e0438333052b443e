/// One journal line read back: when the delivery arrived and its body as received.
public struct JournalEntry: Sendable {
    public var receivedAt: Double
    public var body: [UInt8]

    public init(receivedAt: Double, body: [UInt8]) {
        self.receivedAt = receivedAt
        self.body = body
    }
}

/// What reading a journal found.
public struct JournalReport: Sendable, Equatable {
    public var lines = 0
    public var replayed = 0
    public var refused = 0
    public var corrupt = 0
    /// The last line had no newline and did not parse: a write cut short by a crash.
    public var tornTail = false
    /// Lines whose fields are out of range (a time no clock gives): skipped.
    public var outOfRange = 0
    /// In the record format: where the last file read ends after its last whole record (what
    /// a writer keeps, cutting a torn tail); nil for the line format.
    public var validEnd: Int?
    /// In the record format: whether what follows `validEnd` holds more than one record's
    /// start (kept aside, not cut, when the file is next opened for writing).
    public var tailHoldsRecords = false

    public init(
        lines: Int = 0, replayed: Int = 0, refused: Int = 0, corrupt: Int = 0, tornTail: Bool = false,
        outOfRange: Int = 0
    ) {
        self.lines = lines
        self.replayed = replayed
        self.refused = refused
        self.corrupt = corrupt
        self.tornTail = tornTail
        self.outOfRange = outOfRange
    }

    /// What was skipped, for a summary line: `, 2 corrupt lines skipped, …`; empty if nothing.
    public var skipped: String {
        var text = ""
        if corrupt > 0 { text += ", \(corrupt) corrupt lines skipped" }
        if outOfRange > 0 { text += ", \(outOfRange) lines with out-of-range fields skipped" }
        if tornTail { text += ", a torn last line (a write cut short) skipped" }
        return text
    }
}

/// Splits journal bytes into lines and parses them, as untrusted as any request: whatever the
/// file holds, a line is either an entry in range or counted and skipped — never a crash.
/// Pure (no I/O), so that it can be fuzzed; the listener's `JournalReader` feeds it a file.
public struct JournalLines {
    private var pending: [UInt8] = []

    public init() {}

    /// hubtop's first journal format, one NDJSON line per delivery (kept for tests and tools
    /// that check old journals still replay).
    public static func line(body: UnsafeBufferPointer<UInt8>, receivedAt: Double, source: String?) -> [UInt8]
    {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("received_at")
        writer.number(receivedAt)
        writer.key("source")
        writer.string(source)
        writer.key("body")
        writer.string(String(decoding: body, as: UTF8.self))
        writer.endObject()
        return writer.bytes + [UInt8(ascii: "\n")]
    }

    /// Feeds the next bytes; calls `handle` per good line. False when `handle` asked to stop.
    public mutating func feed(
        _ bytes: UnsafeBufferPointer<UInt8>, _ report: inout JournalReport, _ handle: (JournalEntry) -> Bool
    ) -> Bool {
        var start = 0
        for index in 0..<bytes.count where bytes[index] == 0x0A {
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            start = index + 1
            report.lines += 1
            let going = Self.process(pending, &report, handle)
            pending.removeAll(keepingCapacity: true)
            if !going { return false }
        }
        pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        return true
    }

    /// At the end of the file: a last line without its newline is torn unless it parses.
    public mutating func finish(_ report: inout JournalReport, _ handle: (JournalEntry) -> Bool) -> Bool {
        defer { pending = [] }
        guard !pending.isEmpty else { return true }
        report.lines += 1
        if Self.parse(pending) == nil {
            report.tornTail = true
            return true
        }
        return Self.process(pending, &report, handle)
    }

    static func process(_ line: [UInt8], _ report: inout JournalReport, _ handle: (JournalEntry) -> Bool)
        -> Bool
    {
        guard let entry = parse(line) else {
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { report.corrupt += 1 }
            return true
        }
        guard isInRange(entry) else {
            report.outOfRange += 1
            return true
        }
        return handle(entry)
    }

    /// Seconds since 1970 within ±10 000 years, as the payload decoder demands of timestamps.
    public static func isInRange(_ entry: JournalEntry) -> Bool {
        entry.receivedAt.isFinite && abs(entry.receivedAt) <= 3e11
    }

    /// One line (without its newline) as an entry, or nil when it is not one.
    public static func parse(_ line: [UInt8]) -> JournalEntry? {
        line.withUnsafeBufferPointer { buffer -> JournalEntry? in
            var scanner = JSONScanner(bytes: buffer)
            var receivedAt: Double?
            var body: String?
            do {
                try scanner.beginObject()
                var first = true
                while let key = try scanner.nextKey(first: &first) {
                    switch key {
                    case "received_at": receivedAt = try scanner.readNumberLiteral()
                    case "body": body = try scanner.readStringLiteral()
                    default: try scanner.skipValue()
                    }
                }
                try scanner.expectEnd()
            } catch {
                return nil
            }
            guard let receivedAt, let body else { return nil }
            return JournalEntry(receivedAt: receivedAt, body: Array(body.utf8))
        }
    }
}
