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

    /// Compact JSON text for this value.
    public var jsonText: String {
        var writer = JSONWriter()
        writer.value(self)
        return writer.text
    }
}

/// Builds JSON text by hand: small, allocation-light, and independent of Foundation.
public struct JSONWriter {
    public private(set) var text = ""
    /// One entry per open container: whether it already holds an element.
    private var hasElement: [Bool] = [false]
    private var afterKey = false

    public init() {}

    /// Writes the comma between elements, except right after a key.
    private mutating func prefix() {
        if afterKey {
            afterKey = false
            return
        }
        if hasElement[hasElement.count - 1] { text.append(",") }
        hasElement[hasElement.count - 1] = true
    }

    public mutating func beginObject() {
        prefix()
        text.append("{")
        hasElement.append(false)
    }

    public mutating func endObject() {
        hasElement.removeLast()
        text.append("}")
    }

    public mutating func beginArray() {
        prefix()
        text.append("[")
        hasElement.append(false)
    }

    public mutating func endArray() {
        hasElement.removeLast()
        text.append("]")
    }

    /// Writes `"key":`; the next value belongs to it.
    public mutating func key(_ name: String) {
        prefix()
        Self.appendQuoted(name, to: &text)
        text.append(":")
        afterKey = true
    }

    public mutating func string(_ value: String?) {
        guard let value else { return null() }
        prefix()
        Self.appendQuoted(value, to: &text)
    }

    public mutating func number(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        prefix()
        if value == value.rounded(), abs(value) < 1e15 {
            text.append(String(Int64(value)))
        } else {
            text.append(String(value))
        }
    }

    public mutating func integer(_ value: Int) {
        prefix()
        text.append(String(value))
    }

    public mutating func bool(_ value: Bool?) {
        guard let value else { return null() }
        prefix()
        text.append(value ? "true" : "false")
    }

    public mutating func null() {
        prefix()
        text.append("null")
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
        var out = ""
        appendQuoted(string, to: &out)
        return out
    }

    public static func appendQuoted(_ string: String, to out: inout String) {
        out.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}"
                {
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }
}
