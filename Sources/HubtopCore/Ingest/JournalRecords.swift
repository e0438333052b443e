/// The journal's second format: a header line, then one binary record per delivery with the
/// body as received behind a length prefix — nothing escaped, nothing to unescape on replay.
///
/// A record, little-endian: `HUBJ` (a marker to resynchronise on after damage), the body's
/// length (u32), the source's length (u16), a 16-bit check of the header (so that a damaged
/// length is caught before it is believed), when it arrived (f64 bits), a 64-bit checksum of
/// the header, source and body, then the source and the body.
/// A record cut short by a crash is a torn tail; one whose checksum fails is corrupt and
/// skipped, and reading goes on at the next marker.
public struct JournalRecords {
    /// What a journal of this format starts with (a line, so `head -1` says what it is).
    public static let fileHeader: [UInt8] = Array("HUBTOP-JOURNAL 2\n".utf8)
    static let marker: [UInt8] = Array("HUBJ".utf8)
    static let headerSize = 28
    /// Longer bodies or sources are damage (the listener's `--max-body` is far below).
    static let maxBody = 256 << 20
    static let maxSource = 1024

    private var pending: [UInt8] = []
    /// Bytes fed so far, and the offset (from the start of the data fed) just after the last
    /// record read or damage skipped: what a writer keeps when it cuts a torn tail.
    public private(set) var fed = 0
    public private(set) var validEnd = 0

    public init() {}

    /// One delivery as a record.
    public static func encode(body: UnsafeBufferPointer<UInt8>, receivedAt: Double, source: String?)
        -> [UInt8]
    {
        var source = Array((source ?? "").utf8)
        if source.count > maxSource { source = Array(source.prefix(maxSource)) }
        var record = [UInt8]()
        record.reserveCapacity(headerSize + source.count + body.count)
        record += marker
        append(UInt32(body.count), to: &record)
        append(UInt16(source.count), to: &record)
        append(UInt16(0), to: &record)
        append(receivedAt.bitPattern, to: &record)
        let check = record.withUnsafeBytes { headerCheck($0, at: 0) }
        record[10] = UInt8(check & 0xFF)
        record[11] = UInt8(check >> 8)
        let sum = record.withUnsafeBytes { header in
            source.withUnsafeBytes { source in
                checksum(
                    UnsafeRawBufferPointer(rebasing: header[4..<20]), source, UnsafeRawBufferPointer(body))
            }
        }
        append(sum, to: &record)
        record += source
        record.append(contentsOf: body)
        return record
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func checksum(
        _ header: UnsafeRawBufferPointer, _ source: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer
    ) -> UInt64 {
        let sum = Checksum64.of(header, seed: 0x6875_6274_6F70_6A32)
        return Checksum64.of(body, seed: Checksum64.of(source, seed: sum))
    }

    /// The lengths and time of the record at `offset`, folded to 16 bits.
    static func headerCheck(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        let lengths =
            UInt64(buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            | UInt64(buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt16.self)) << 32
        let time = buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt64.self)
        var mixed = (lengths ^ 0x5AD5_1C0A_77E3_9B41) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ time ^ (mixed >> 31)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 29
        return UInt16(truncatingIfNeeded: mixed ^ (mixed >> 16) ^ (mixed >> 32) ^ (mixed >> 48))
    }

    /// Whether the bytes left after the last good record (the torn tail, cut when the file is
    /// next opened for writing) hold more than one record's start: then they are not one write
    /// cut short, and are kept aside rather than cut.
    public private(set) var tailHoldsRecords = false

    /// Feeds the next bytes (after the file header); calls `handle` per good record. False when
    /// `handle` asked to stop.
    public mutating func feed(
        _ bytes: UnsafeBufferPointer<UInt8>, _ report: inout JournalReport, _ handle: (JournalEntry) -> Bool
    ) -> Bool {
        pending.append(contentsOf: bytes)
        fed += bytes.count
        return readPending(&report, handle)
    }

    /// Reads the whole records at the front of `pending`, skipping damage; stops at one that is
    /// not all there yet.
    private mutating func readPending(_ report: inout JournalReport, _ handle: (JournalEntry) -> Bool)
        -> Bool
    {
        var offset = 0
        var going = true
        pending.withUnsafeBytes { buffer in
            var damaged = false
            while going, buffer.count - offset >= Self.headerSize {
                let step = Self.record(at: offset, in: buffer)
                switch step {
                case .incomplete:
                    return
                case .damaged:
                    // Count one corrupt stretch, however long, then look for the next marker: a
                    // header found there is believed only once its record's checksum holds.
                    if !damaged {
                        report.lines += 1
                        report.corrupt += 1
                        damaged = true
                    }
                    offset = Self.nextMarker(after: offset, in: buffer) ?? max(offset + 1, buffer.count - 3)
                    if offset + 4 > buffer.count { return }
                case .entry(let entry, let length):
                    damaged = false
                    offset += length
                    report.lines += 1
                    if JournalLines.isInRange(entry) {
                        going = handle(entry)
                    } else {
                        report.outOfRange += 1
                    }
                }
                validEnd = fed - buffer.count + offset
            }
        }
        pending.removeFirst(offset)
        return going
    }

    /// At the end of the data. A record still waiting for its bytes is torn only when no whole
    /// record follows it: otherwise its length was damaged (or a header inside a damaged body
    /// was forged), and reading goes on at the next record whose checksum holds.
    public mutating func finish(_ report: inout JournalReport, _ handle: (JournalEntry) -> Bool) -> Bool {
        while !pending.isEmpty {
            let next = pending.withUnsafeBytes { Self.nextWholeRecord(after: 0, in: $0) }
            guard let next else {
                report.lines += 1
                report.tornTail = true
                tailHoldsRecords = pending.withUnsafeBytes { Self.holdsAnotherHeader($0) }
                break
            }
            report.lines += 1
            report.corrupt += 1
            pending.removeFirst(next)
            validEnd = fed - pending.count
            if !readPending(&report, handle) { return false }
        }
        pending = []
        return true
    }

    /// The first place after `offset` where a record starts whose bytes are all there and whose
    /// checksum holds.
    static func nextWholeRecord(after offset: Int, in buffer: UnsafeRawBufferPointer) -> Int? {
        var candidate = nextMarker(after: offset, in: buffer)
        while let index = candidate {
            if case .entry = record(at: index, in: buffer) { return index }
            candidate = nextMarker(after: index, in: buffer)
        }
        return nil
    }

    /// Whether a header that passes its check starts anywhere but at the front.
    static func holdsAnotherHeader(_ buffer: UnsafeRawBufferPointer) -> Bool {
        var candidate = nextMarker(after: 0, in: buffer)
        while let index = candidate {
            if buffer.count - index >= headerSize,
                UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: index + 10, as: UInt16.self))
                    == headerCheck(buffer, at: index)
            {
                return true
            }
            candidate = nextMarker(after: index, in: buffer)
        }
        return false
    }

    enum Step {
        case incomplete
        case damaged
        case entry(JournalEntry, length: Int)
    }

    static func record(at offset: Int, in buffer: UnsafeRawBufferPointer) -> Step {
        guard buffer.count - offset >= headerSize else { return .incomplete }
        guard buffer[offset] == marker[0], buffer[offset + 1] == marker[1], buffer[offset + 2] == marker[2],
            buffer[offset + 3] == marker[3]
        else { return .damaged }
        let check = UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 10, as: UInt16.self))
        guard check == headerCheck(buffer, at: offset) else { return .damaged }
        let bodyLength = Int(
            UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
        let sourceLength = Int(
            UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt16.self)))
        guard bodyLength <= maxBody, sourceLength <= maxSource else { return .damaged }
        let length = headerSize + sourceLength + bodyLength
        guard buffer.count - offset >= length else { return .incomplete }
        let stored = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 20, as: UInt64.self))
        let sourceStart = offset + headerSize
        let bodyStart = sourceStart + sourceLength
        let body = UnsafeRawBufferPointer(rebasing: buffer[bodyStart..<bodyStart + bodyLength])
        let sum = checksum(
            UnsafeRawBufferPointer(rebasing: buffer[offset + 4..<offset + 20]),
            UnsafeRawBufferPointer(rebasing: buffer[sourceStart..<bodyStart]), body)
        guard sum == stored else { return .damaged }
        let bits = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt64.self))
        return .entry(JournalEntry(receivedAt: Double(bitPattern: bits), body: Array(body)), length: length)
    }

    /// The next place after `offset` where the marker starts, if any.
    static func nextMarker(after offset: Int, in buffer: UnsafeRawBufferPointer) -> Int? {
        var index = offset + 1
        while index + 4 <= buffer.count {
            if buffer[index] == marker[0] && buffer[index + 1] == marker[1] && buffer[index + 2] == marker[2]
                && buffer[index + 3] == marker[3]
            {
                return index
            }
            index += 1
        }
        return nil
    }
}

/// A fast 64-bit checksum, eight bytes a step: it catches torn and damaged records, not
/// tampering (the journal is the user's own file).
enum Checksum64 {
    static func of(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var sum = seed ^ 0x9E37_79B9_7F4A_7C15
        var index = 0
        while index + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            sum = (sum ^ word) &* 0xBF58_476D_1CE4_E5B9
            sum ^= sum >> 31
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        sum = (sum ^ tail ^ UInt64(bytes.count)) &* 0x94D0_49BB_1331_11EB
        return sum ^ (sum >> 29)
    }
}

/// Reads either format: the first bytes say which (a file without the v2 header is NDJSON,
/// hubtop's first format, still replayed as it was).
public struct JournalStream {
    enum Format {
        case undecided([UInt8])
        case lines(JournalLines)
        case records(JournalRecords)
    }

    private var format = Format.undecided([])

    public init() {}

    /// What a file is, by its first bytes (at least the header's length of them, or all).
    public enum Kind: Equatable, Sendable {
        case empty
        /// The record format, or the start of its header (a crash while the file was new).
        case records
        /// hubtop's first format: NDJSON lines, each starting as the writer wrote them.
        case lines
        /// Anything else: not a journal, never to be rewritten.
        case unknown
    }

    static let firstLineStart: [UInt8] = Array(#"{"received_at":"#.utf8)

    public static func kind(ofFileStartingWith head: some Collection<UInt8>) -> Kind {
        if head.isEmpty { return .empty }
        let header = JournalRecords.fileHeader
        if head.starts(with: header) || header.starts(with: head) { return .records }
        if head.starts(with: firstLineStart) || firstLineStart.starts(with: head) { return .lines }
        return .unknown
    }

    /// Whether the data fed so far is in the record format (nil while it cannot tell yet).
    public var isRecords: Bool? {
        switch format {
        case .undecided: return nil
        case .lines: return false
        case .records: return true
        }
    }

    /// For the record format, after `finish`: whether the torn tail is more than one record.
    public var tailHoldsRecords: Bool {
        if case .records(let records) = format { return records.tailHoldsRecords }
        return false
    }

    /// For the record format: the offset just after the last whole record (header included).
    public var validEnd: Int? {
        if case .records(let records) = format { return JournalRecords.fileHeader.count + records.validEnd }
        return nil
    }

    public mutating func feed(
        _ bytes: UnsafeBufferPointer<UInt8>, _ report: inout JournalReport, _ handle: (JournalEntry) -> Bool
    ) -> Bool {
        switch format {
        case .undecided(let head):
            let header = JournalRecords.fileHeader
            let needed = header.count - head.count
            let combined = head + Array(bytes.prefix(needed))
            if combined.count < header.count && Array(header.prefix(combined.count)) == combined {
                format = .undecided(combined)
                return true
            }
            if combined == header {
                format = .records(JournalRecords())
                return feed(UnsafeBufferPointer(rebasing: bytes[needed...]), &report, handle)
            }
            // Not the header: lines, from the very first byte.
            var lines = JournalLines()
            let going = head.withUnsafeBufferPointer { lines.feed($0, &report, handle) }
            format = .lines(lines)
            guard going else { return false }
            return feed(bytes, &report, handle)
        case .lines(var lines):
            format = .undecided([])
            defer { format = .lines(lines) }
            return lines.feed(bytes, &report, handle)
        case .records(var records):
            format = .undecided([])
            defer { format = .records(records) }
            return records.feed(bytes, &report, handle)
        }
    }

    /// At the end of the data.
    public mutating func finish(_ report: inout JournalReport, _ handle: (JournalEntry) -> Bool) -> Bool {
        switch format {
        case .undecided(let head):
            // Shorter than the header: a prefix of it is an empty journal; anything else lines.
            guard !head.isEmpty, Array(JournalRecords.fileHeader.prefix(head.count)) != head else {
                return true
            }
            var lines = JournalLines()
            let going = head.withUnsafeBufferPointer { lines.feed($0, &report, handle) }
            return going && lines.finish(&report, handle)
        case .lines(var lines):
            return lines.finish(&report, handle)
        case .records(var records):
            format = .undecided([])
            defer { format = .records(records) }
            return records.finish(&report, handle)
        }
    }
}
