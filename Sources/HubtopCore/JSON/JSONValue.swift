/// A generic JSON value, used only for fields hubtop keeps without interpreting them
/// (unknown extras shown in the event detail).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// Parses one JSON value (with the scanner's tolerance for bad escapes).
    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        try Array(text.utf8).withUnsafeBufferPointer { buffer throws(JSONError) in
            var scanner = JSONScanner(bytes: buffer)
            let value = try scanner.readValue()
            try scanner.expectEnd()
            return value
        }
    }

    /// The members of an object by key (the last duplicate wins); empty for other values.
    public var members: [String: JSONValue] {
        guard case .object(let members) = self else { return [:] }
        return Dictionary(members, uniquingKeysWith: { $1 })
    }

    /// The text of a string value; nil for other values.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// Compact JSON text for this value.
    public var jsonText: String {
        var writer = JSONWriter()
        writer.value(self)
        return writer.text
    }
}

/// Builds JSON text by hand: small, allocation-light, and independent of Foundation.
public struct JSONWriter {
    /// The UTF-8 written so far.
    public private(set) var bytes: [UInt8] = []
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    /// One entry per open container: whether it already holds an element.
    private var hasElement: [Bool] = [false]
    private var afterKey = false
    /// Also escape what a terminal would act on or hide: C1 controls, bidi controls and
    /// invisible characters (for output that people read, such as `--json`).
    public let escapesUnsafeText: Bool

    public init(escapesUnsafeText: Bool = false) {
        self.escapesUnsafeText = escapesUnsafeText
    }

    /// Writes the comma between elements, except right after a key.
    private mutating func prefix() {
        if afterKey {
            afterKey = false
            return
        }
        if hasElement[hasElement.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasElement[hasElement.count - 1] = true
    }

    public mutating func beginObject() {
        prefix()
        bytes.append(UInt8(ascii: "{"))
        hasElement.append(false)
    }

    public mutating func endObject() {
        hasElement.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        prefix()
        bytes.append(UInt8(ascii: "["))
        hasElement.append(false)
    }

    public mutating func endArray() {
        hasElement.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes `"key":`; the next value belongs to it.
    public mutating func key(_ name: String) {
        prefix()
        Self.appendQuoted(name, to: &bytes, escapingUnsafeText: escapesUnsafeText)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ value: String?) {
        guard let value else { return null() }
        prefix()
        Self.appendQuoted(value, to: &bytes, escapingUnsafeText: escapesUnsafeText)
    }

    public mutating func number(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        prefix()
        if value == value.rounded(), abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    public mutating func integer(_ value: Int) {
        prefix()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool?) {
        guard let value else { return null() }
        prefix()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// JSON text written by another writer, as one value (not checked: it must be JSON).
    public mutating func raw(_ json: String) {
        prefix()
        bytes.append(contentsOf: json.utf8)
    }

    public mutating func null() {
        prefix()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let number): self.number(number)
        case .string(let string): self.string(string)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let members):
            beginObject()
            for (name, member) in members {
                key(name)
                self.value(member)
            }
            endObject()
        }
    }

    public static func quoted(_ string: String) -> String {
        var out: [UInt8] = []
        appendQuoted(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `string` as a JSON string literal. Runs that need no escaping are copied whole;
    /// controls, DEL and U+2028/U+2029 (line breaks to JavaScript) are escaped, and with
    /// `escapingUnsafeText` also C1 controls, bidi controls and invisible characters.
    public static func appendQuoted(_ string: String, to out: inout [UInt8], escapingUnsafeText: Bool = false)
    {
        var string = string
        out.append(UInt8(ascii: "\""))
        string.withUTF8 { utf8 in
            var runStart = 0
            var index = 0
            func flush(_ upTo: Int) {
                if upTo > runStart {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<upTo]))
                }
            }
            while index < utf8.count {
                index = printableASCIIEnd(utf8, from: index)
                guard index < utf8.count else { break }
                let byte = utf8[index]
                // The character after the backslash, for the short escapes.
                let short: UInt8?
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): short = byte
                case UInt8(ascii: "\n"): short = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): short = UInt8(ascii: "r")
                case UInt8(ascii: "\t"): short = UInt8(ascii: "t")
                case 0x00..<0x20, 0x7F:
                    flush(index)
                    out.append(contentsOf: unicodeEscape(UInt32(byte)))
                    index += 1
                    runStart = index
                    continue
                case 0xE2
                where index + 2 < utf8.count && utf8[index + 1] == 0x80
                    && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9):
                    flush(index)
                    out.append(contentsOf: unicodeEscape(utf8[index + 2] == 0xA8 ? 0x2028 : 0x2029))
                    index += 3
                    runStart = index
                    continue
                case 0xC2...0xF4 where escapingUnsafeText:
                    let (scalar, length) = decodeScalar(utf8, at: index)
                    if let scalar, TerminalSanitizer.isUnsafe(scalar) || TerminalSanitizer.isInvisible(scalar)
                    {
                        flush(index)
                        if scalar.value > 0xFFFF {
                            // As a surrogate pair, the way JSON spells characters past the BMP.
                            let value = scalar.value - 0x10000
                            out.append(contentsOf: unicodeEscape(0xD800 + (value >> 10)))
                            out.append(contentsOf: unicodeEscape(0xDC00 + (value & 0x3FF)))
                        } else {
                            out.append(contentsOf: unicodeEscape(scalar.value))
                        }
                        index += length
                        runStart = index
                        continue
                    }
                    index += max(1, length)
                    continue
                default: short = nil
                }
                if let short {
                    flush(index)
                    out.append(UInt8(ascii: "\\"))
                    out.append(short)
                    runStart = index + 1
                }
                index += 1
            }
            flush(utf8.count)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The first index from `index` on whose byte is not printable ASCII other than `"` and
    /// `\\` (what every string is mostly made of, copied as it is), eight bytes at a time.
    @inline(__always)
    static func printableASCIIEnd(_ utf8: UnsafeBufferPointer<UInt8>, from index: Int) -> Int {
        guard let base = utf8.baseAddress else { return index }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasByte(_ word: UInt64, _ byte: UInt64) -> UInt64 {
            let masked = word ^ (ones &* byte)
            return (masked &- ones) & ~masked
        }
        var index = index
        while index + 8 <= utf8.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            let controls = (word &- ones &* 0x20) & ~word
            let stops = controls | hasByte(word, 0x22) | hasByte(word, 0x5C) | hasByte(word, 0x7F) | word
            if stops & highs != 0 { break }
            index += 8
        }
        return index
    }

    /// The scalar whose UTF-8 starts at `index` (the text is valid UTF-8: it is a `String`).
    static func decodeScalar(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar?, Int) {
        let lead = utf8[index]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard index + length <= utf8.count else { return (nil, 1) }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length { value = value << 6 | UInt32(utf8[index + offset] & 0x3F) }
        return (Unicode.Scalar(value), length)
    }

    static func unicodeEscape(_ value: UInt32) -> [UInt8] {
        let hex = String(value, radix: 16)
        return Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
    }
}
