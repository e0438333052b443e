/// A single-pass, pull-style JSON scanner over raw bytes.
///
/// It is deliberately tolerant where Docker Hub's own payloads are sloppy (invalid backslash
/// escapes, raw control characters inside strings) and strict where the input is not JSON at all.
/// Every tolerance is reported through `repairs` so the event can show what was fixed.
/// No intermediate dictionary is built: callers walk objects key by key and read what they need.
public struct JSONScanner {
    /// Deeper nesting than this is rejected rather than recursed into, so hostile input cannot
    /// exhaust the stack.
    public static let maximumDepth = 64
    /// Longer arrays are refused: no genuine payload has them, and they would cost memory per event.
    public static let maximumArrayElements = 10_000
    /// Objects with more members are refused, for the same reason.
    public static let maximumObjectMembers = 10_000

    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline var position: Int
    public internal(set) var repairs: [String] = []
    var depth = 0

    public init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.position = 0
        // A UTF-8 byte order mark is not JSON, but harmless: skip it.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            position = 3
        }
    }

    public var offset: Int { position }

    public mutating func addRepair(_ text: String) {
        // Bounded, so a payload full of bad escapes cannot grow the list without limit.
        if repairs.count < 32 {
            if !repairs.contains(text) { repairs.append(text) }
        }
    }

    // MARK: - Whitespace and structure

    @inlinable
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, without consuming it.
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    func error(_ message: String) -> JSONError {
        JSONError(message: message, offset: position)
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONError) {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input, expected \(what)") }
        guard bytes[position] == byte else { throw error("expected \(what), found \(describeByte())") }
        position += 1
    }

    func describeByte() -> String {
        guard position < bytes.count else { return "end of input" }
        let byte = bytes[position]
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    /// After the top-level value only whitespace may follow.
    public mutating func expectEnd() throws(JSONError) {
        skipWhitespace()
        if position < bytes.count { throw error("unexpected trailing data after the JSON value") }
    }

    /// Begins an object: consumes `{`.
    public mutating func beginObject() throws(JSONError) {
        try expect(UInt8(ascii: "{"), "'{'")
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth) levels") }
    }

    /// The next key of the current object, or nil when the object ends (the `}` is consumed).
    /// `first` tells whether this is the first key (no comma expected before it).
    public mutating func nextKey(first: inout Bool) throws(JSONError) -> String? {
        guard try atNextKey(first: &first) else { return nil }
        let key = try readStringLiteral()
        try expect(UInt8(ascii: ":"), "':'")
        return key
    }

    /// Moves to the opening quote of the next key; false when the object ends (its `}` consumed).
    private mutating func atNextKey(first: inout Bool) throws(JSONError) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input inside an object") }
        if bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return false
        }
        if !first {
            try expect(UInt8(ascii: ","), "',' or '}'")
            skipWhitespace()
        }
        first = false
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw error("expected a string key, found \(describeByte())")
        }
        return true
    }

    /// Like `nextKey`, but a plain key comes back as its bytes, with no `String` made: the
    /// payload decoder compares them with the names it knows.
    private mutating func nextMemberKey(first: inout Bool) throws(JSONError) -> MemberKey? {
        guard try atNextKey(first: &first) else { return nil }
        let at = position
        let key: MemberKey
        if let raw = plainStringBytes() {
            // ASCII as it stands; anything else checked as `readStringLiteral` would.
            key = raw.allSatisfy { $0 < 0x80 } ? .bytes(raw) : .text(try Self.validatedString(raw, at: at))
        } else {
            key = .text(try readStringLiteral())
        }
        try expect(UInt8(ascii: ":"), "':'")
        return key
    }

    /// The next member's key, counted against `maximumObjectMembers`; nil at the object's end.
    mutating func nextMember(_ walk: inout MemberWalk) throws(JSONError) -> MemberKey? {
        guard let key = try nextMemberKey(first: &walk.first) else { return nil }
        try countMember(walk.count)
        walk.count += 1
        return key
    }

    /// Begins an array: consumes `[`.
    public mutating func beginArray() throws(JSONError) {
        try expect(UInt8(ascii: "["), "'['")
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth) levels") }
    }

    /// True when another element follows; false when the array ends (the `]` is consumed).
    public mutating func nextElement(first: inout Bool) throws(JSONError) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input inside an array") }
        if bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return false
        }
        if !first { try expect(UInt8(ascii: ","), "',' or ']'") }
        first = false
        return true
    }

    // MARK: - Values

    /// Reads any value into a `JSONValue`, for fields we keep but do not interpret.
    public mutating func readValue() throws(JSONError) -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"):
            try beginObject()
            var members: [(String, JSONValue)] = []
            // Where each key stands, so duplicates are found in constant time (a scan per key
            // made a 1 MiB object of short keys quadratic).
            var positions: [String: Int] = [:]
            var first = true
            while let key = try nextKey(first: &first) {
                try countMember(members.count)
                let value = try readValue()
                // Duplicate keys: the last one wins, as in most JSON parsers.
                if let existing = positions[key] {
                    members[existing].1 = value
                } else {
                    positions[key] = members.count
                    members.append((key, value))
                }
            }
            return .object(members)
        case UInt8(ascii: "["):
            try beginArray()
            var elements: [JSONValue] = []
            var first = true
            while try nextElement(first: &first) {
                if elements.count >= Self.maximumArrayElements {
                    throw error("array longer than \(Self.maximumArrayElements) elements")
                }
                elements.append(try readValue())
            }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try readStringLiteral())
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return .bool(try readLiteralBool())
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return .null
        default:
            return .number(try readNumberLiteral())
        }
    }

    /// Refuses an object that already has `count` members and gets one more than allowed.
    public func countMember(_ count: Int) throws(JSONError) {
        if count >= Self.maximumObjectMembers {
            throw error("object with more than \(Self.maximumObjectMembers) members")
        }
    }

    /// Skips a value of any type, validating it, without building it.
    public mutating func skipValue() throws(JSONError) {
        guard let byte = peek() else { throw error("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"):
            try beginObject()
            var first = true
            var count = 0
            while try nextKey(first: &first) != nil {
                try countMember(count)
                count += 1
                try skipValue()
            }
        case UInt8(ascii: "["):
            try beginArray()
            var first = true
            var count = 0
            while try nextElement(first: &first) {
                if count >= Self.maximumArrayElements {
                    throw error("array longer than \(Self.maximumArrayElements) elements")
                }
                count += 1
                try skipValue()
            }
        case UInt8(ascii: "\""): _ = try readStringLiteral()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readLiteralBool()
        case UInt8(ascii: "n"): try readLiteral("null")
        default: _ = try readNumberLiteral()
        }
    }

    /// Where the object starting here ends, found by its brackets and strings alone — nothing
    /// is checked or consumed: for a byte-for-byte comparison with one decoded before (which
    /// is what vouches for it). Nil when the bytes run out first.
    func objectEnd() -> Int? {
        var index = position
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        var depth = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return index + 1 }
            case UInt8(ascii: "\""):
                index += 1
                while index < bytes.count {
                    index = Self.skipPlain(bytes, from: index, to: bytes.count, stopAtControls: false).stop
                    guard index < bytes.count else { return nil }
                    if bytes[index] == UInt8(ascii: "\"") { break }
                    index += 2  // an escape and what it escapes
                }
            default: break
            }
            index += 1
        }
        return nil
    }

    /// Moves to `offset` (after `objectEnd`'s object, or back to where a value began).
    mutating func move(to offset: Int) {
        position = offset
    }

    /// Skips a value and returns its text as sent (without surrounding whitespace).
    public mutating func rawValue() throws(JSONError) -> String {
        skipWhitespace()
        let start = position
        try skipValue()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    public mutating func readLiteral(_ word: StaticString) throws(JSONError) {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of input") }
        let start = word.utf8Start
        for index in 0..<count where bytes[position + index] != start[index] {
            throw error("invalid literal, found \(describeByte())")
        }
        position += count
    }

    mutating func readLiteralBool() throws(JSONError) -> Bool {
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "t") {
            try readLiteral("true")
            return true
        }
        try readLiteral("false")
        return false
    }

    /// Reads a JSON number. Non-finite results (overflow such as `1e400`) are rejected.
    public mutating func readNumberLiteral() throws(JSONError) -> Double {
        skipWhitespace()
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        var integer: UInt64 = 0
        var integerDigits = 0
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            integer = integer &* 10 &+ UInt64(bytes[position] - 0x30)
            integerDigits += 1
            position += 1
        }
        if integerDigits == 0 {
            position = start
            throw error("expected a value, found \(describeByte())")
        }
        if integerDigits > 1, bytes[integerStart] == 0x30 {
            position = integerStart
            throw error("leading zero in a number")
        }
        var isSimpleInteger = integerDigits <= 15
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isSimpleInteger = false
            position += 1
            let fractionStart = position
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
            if position == fractionStart { throw error("expected digits after the decimal point") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            isSimpleInteger = false
            position += 1
            if position < bytes.count,
                bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
            {
                position += 1
            }
            let exponentStart = position
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
            if position == exponentStart { throw error("expected digits in the exponent") }
        }
        if isSimpleInteger {
            let value = Double(integer)
            return bytes[start] == UInt8(ascii: "-") ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            position = start
            throw error("number out of range")
        }
        return value
    }

    /// Reads a string literal, decoding escapes. Invalid escapes (`\]`) keep the escaped
    /// character literally; raw control characters are kept; both are recorded as repairs.
    /// Bytes that are not UTF-8 are an error.
    /// The bytes of the string literal here when it has no escape or control character
    /// (consumed), else nil with nothing consumed: for callers that want bytes, not a `String`.
    mutating func plainStringBytes() -> UnsafeBufferPointer<UInt8>? {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
        let start = position + 1
        let stop = Self.skipPlain(bytes, from: start, to: bytes.count).stop
        guard stop < bytes.count, bytes[stop] == UInt8(ascii: "\"") else { return nil }
        position = stop + 1
        return UnsafeBufferPointer(rebasing: bytes[start..<stop])
    }

    public mutating func readStringLiteral() throws(JSONError) -> String {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw error("expected a string, found \(describeByte())")
        }
        position += 1
        let start = position
        // Fast path: no escapes; validate UTF-8 once over the slice (not at all when ASCII).
        let bytes = self.bytes
        var cursor = position
        var ascii = true
        while cursor < bytes.count {
            let (stop, plainASCII) = Self.skipPlain(bytes, from: cursor, to: bytes.count)
            ascii = ascii && plainASCII
            cursor = stop
            guard cursor < bytes.count else { break }
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<cursor])
                position = cursor + 1
                return try Self.validatedString(slice, at: start, knownASCII: ascii)
            }
            if byte == UInt8(ascii: "\\") { break }
            addRepair("raw control character in a string")
            cursor += 1
        }
        position = cursor
        guard position < bytes.count else {
            position = start - 1
            throw error("unterminated string")
        }
        // Slow path: escapes present. Find the closing quote first, so the decoded bytes can go
        // into one buffer of the right size (decoding only ever shortens), copying runs whole.
        var end = position
        while end < bytes.count {
            end = Self.skipPlain(bytes, from: end, to: bytes.count, stopAtControls: false).stop
            guard end < bytes.count else { break }
            if bytes[end] == UInt8(ascii: "\"") { break }
            end += 2
        }
        guard end < bytes.count else {
            position = start - 1
            throw error("unterminated string")
        }
        let out = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: end - start)
        defer { out.deallocate() }
        var written = position - start
        _ = out.initialize(from: UnsafeBufferPointer(rebasing: bytes[start..<position]))
        var outputASCII = ascii
        while position < end {
            let (run, runASCII) = Self.skipPlain(bytes, from: position, to: end)
            outputASCII = outputASCII && runASCII
            if run > position {
                UnsafeMutableRawPointer(out.baseAddress! + written).copyMemory(
                    from: bytes.baseAddress! + position, byteCount: run - position)
                written += run - position
                position = run
                continue
            }
            let byte = bytes[position]
            position += 1
            guard byte == UInt8(ascii: "\\") else {
                addRepair("raw control character in a string")
                out[written] = byte
                written += 1
                continue
            }
            let escaped = bytes[position]
            position += 1
            var replacement: UInt8
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): replacement = escaped
            case UInt8(ascii: "b"): replacement = 0x08
            case UInt8(ascii: "f"): replacement = 0x0C
            case UInt8(ascii: "n"): replacement = 0x0A
            case UInt8(ascii: "r"): replacement = 0x0D
            case UInt8(ascii: "t"): replacement = 0x09
            case UInt8(ascii: "u"):
                let scalar = try readUnicodeEscape()
                outputASCII = outputASCII && scalar.isASCII
                for unit in String(Character(scalar)).utf8 {
                    out[written] = unit
                    written += 1
                }
                continue
            default:
                // Docker Hub's documented example contains `\]`: take it literally.
                if escaped < 0x80 {
                    let shown = escaped >= 0x20 && escaped < 0x7F ? String(UnicodeScalar(escaped)) : "?"
                    addRepair("invalid escape \\\(shown) kept literally")
                } else {
                    addRepair("invalid escape kept literally")
                }
                replacement = escaped
                outputASCII = outputASCII && escaped < 0x80
            }
            out[written] = replacement
            written += 1
        }
        position = end + 1
        return try Self.validatedString(
            UnsafeBufferPointer(rebasing: out[0..<written]), at: start, knownASCII: outputASCII)
    }

    mutating func readHex4() throws(JSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    mutating func readUnicodeEscape() throws(JSONError) -> Unicode.Scalar {
        let first = try readHex4()
        if (0xD800...0xDBFF).contains(first) {
            // A high surrogate should be followed by `\uDC00`–`\uDFFF`.
            if position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                bytes[position + 1] == UInt8(ascii: "u")
            {
                let save = position
                position += 2
                let second = try readHex4()
                if (0xDC00...0xDFFF).contains(second) {
                    let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    if let scalar = Unicode.Scalar(combined) { return scalar }
                }
                position = save
            }
            addRepair("lone surrogate replaced")
            return "\u{FFFD}"
        }
        if (0xDC00...0xDFFF).contains(first) {
            addRepair("lone surrogate replaced")
            return "\u{FFFD}"
        }
        return Unicode.Scalar(first) ?? "\u{FFFD}"
    }

    /// The first index in `from..<to` holding `"`, `\\` or (with `stopAtControls`) a byte below
    /// 0x20, or `to`; and whether the bytes skipped were all ASCII. Eight bytes at a time.
    @inline(__always)
    static func skipPlain(
        _ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int, stopAtControls: Bool = true
    ) -> (stop: Int, ascii: Bool) {
        guard let base = bytes.baseAddress else { return (to, true) }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = from
        var high: UInt64 = 0
        while index + 8 <= to {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            var hits = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
            if stopAtControls { hits |= (word &- ones &* 0x20) & ~word }
            if hits & highs != 0 { break }
            high |= word
            index += 8
        }
        while index < to {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (stopAtControls && byte < 0x20) {
                break
            }
            high |= UInt64(byte)
            index += 1
        }
        return (index, high & highs == 0)
    }

    static func validatedString(
        _ slice: UnsafeBufferPointer<UInt8>, at start: Int, knownASCII: Bool = false
    ) throws(JSONError) -> String {
        if knownASCII { return String(decoding: slice, as: UTF8.self) }
        // ASCII is the common case and needs no validation.
        var ascii = true
        for byte in slice where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: slice, as: UTF8.self) }
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw JSONError(message: "string is not valid UTF-8", offset: start)
        }
        return string
    }
}

/// Where and why a body could not be read as JSON.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at byte \(offset)" }
}

/// An object member's name: its bytes in the body when it is plain, else its decoded text.
/// Where a walk over an object's members stands: whether the next is the first, how many so far.
struct MemberWalk {
    var first = true
    var count = 0
}

enum MemberKey {
    case bytes(UnsafeBufferPointer<UInt8>)
    case text(String)

    /// Whether it is `name` (ASCII).
    func `is`(_ name: StaticString) -> Bool {
        switch self {
        case .bytes(let bytes):
            guard bytes.count == name.utf8CodeUnitCount else { return false }
            let expected = name.utf8Start
            for index in 0..<bytes.count where bytes[index] != expected[index] { return false }
            return true
        case .text(let text):
            return text == name.description
        }
    }

    var string: String {
        switch self {
        case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .text(let text): return text
        }
    }
}
