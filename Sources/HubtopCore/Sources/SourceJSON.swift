/// Reading the other sources' bodies: small objects, read as a tree.
extension JSONValue {
    /// The member `key` of an object (the last duplicate wins); nil otherwise.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }

    /// The value at a path of member keys.
    func at(_ keys: String...) -> JSONValue? {
        var value: JSONValue? = self
        for key in keys { value = value?[key] }
        return value
    }

    /// A string member at a path; a number is taken as its text.
    func text(_ keys: String...) -> String? {
        var value: JSONValue? = self
        for key in keys { value = value?[key] }
        switch value {
        case .string(let text): return text
        case .number(let number):
            return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        default: return nil
        }
    }

    var number: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    var elements: [JSONValue] {
        if case .array(let elements) = self { return elements }
        return []
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// Parses a body; a syntax error is the delivery's fault.
    static func parseBody(_ bytes: UnsafeBufferPointer<UInt8>) throws(PayloadError) -> JSONValue {
        var scanner = JSONScanner(bytes: bytes)
        do throws(JSONError) {
            let value = try scanner.readValue()
            try scanner.expectEnd()
            return value
        } catch {
            throw PayloadError(.invalidJSON, error.description)
        }
    }
}

extension Timestamp {
    /// Seconds since 1970 from RFC 3339 (`2026-11-02T14:05:09.512734101Z`, `…+02:00`); nil when
    /// it is not one.
    public static func parseRFC3339(_ text: String) -> Double? {
        var rest = Substring(text)
        var offset = 0
        if rest.last == "Z" || rest.last == "z" {
            rest = rest.dropLast()
        } else if rest.count > 6, let sign = rest.dropLast(5).last, sign == "+" || sign == "-",
            rest.suffix(3).first == ":"
        {
            let zone = rest.suffix(5)
            guard let hours = Int(zone.prefix(2)), let minutes = Int(zone.suffix(2)) else { return nil }
            offset = (hours * 3600 + minutes * 60) * (sign == "+" ? 1 : -1)
            rest = rest.dropLast(6)
        }
        var fraction = 0.0
        if let dot = rest.lastIndex(of: "."), rest[..<dot].contains("T") || rest[..<dot].contains(" ") {
            let digits = rest[rest.index(after: dot)...]
            guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy(\.isASCII),
                let value = Double("0." + digits)
            else { return nil }
            fraction = value
            rest = rest[..<dot]
        }
        guard let seconds = parseUTC(String(rest)) else { return nil }
        return seconds + fraction - Double(offset)
    }
}
