/// A reader for the part of TOML that theme and config files use: comments, `[table]` headers,
/// and `key = value` with strings, integers, floats, booleans, arrays and inline tables. Anything else is
/// an error with its line, rather than being misread.
public enum TOMLSubset {
    public indirect enum Value: Equatable, Sendable {
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)
        case array([Value])
        case table([(String, Value)])

        public static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.string(let a), .string(let b)): return a == b
            case (.integer(let a), .integer(let b)): return a == b
            case (.float(let a), .float(let b)): return a == b
            case (.bool(let a), .bool(let b)): return a == b
            case (.array(let a), .array(let b)): return a == b
            case (.table(let a), .table(let b)):
                return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: return false
            }
        }
    }

    /// One `key = value`, with the table it sits in and its line (1-based).
    public struct Entry: Equatable, Sendable {
        public var table: String
        public var key: String
        public var value: Value
        public var line: Int
    }

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public static func parse(_ text: String) throws(ParseError) -> [Entry] {
        var entries: [Entry] = []
        var table = ""
        var seen: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var cursor = Cursor(Array(rawLine.unicodeScalars), line: number)
            cursor.skipSpace()
            if cursor.atEnd || cursor.peek == "#" { continue }
            if cursor.peek == "[" {
                cursor.advance()
                cursor.skipSpace()
                let name = try cursor.key()
                cursor.skipSpace()
                try cursor.expect("]")
                try cursor.expectLineEnd()
                table = name
                continue
            }
            let key = try cursor.key()
            cursor.skipSpace()
            try cursor.expect("=")
            cursor.skipSpace()
            let value = try cursor.value()
            try cursor.expectLineEnd()
            let path = table + "." + key
            if seen.contains(path) { throw ParseError(line: number, message: "duplicate key '\(key)'") }
            seen.insert(path)
            entries.append(Entry(table: table, key: key, value: value, line: number))
        }
        return entries
    }

    struct Cursor {
        let scalars: [Unicode.Scalar]
        var position = 0
        let line: Int
        /// Arrays and inline tables open around the value being read: bounded, so that a hostile
        /// file is a parse error and not a stack overflow.
        var depth = 0
        static let maximumDepth = 32

        init(_ scalars: [Unicode.Scalar], line: Int) {
            self.scalars = scalars
            self.line = line
        }

        var atEnd: Bool { position >= scalars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : scalars[position] }
        mutating func advance() { position += 1 }

        func error(_ message: String) -> ParseError { ParseError(line: line, message: message) }

        mutating func skipSpace() {
            while let scalar = peek, scalar == " " || scalar == "\t" || scalar == "\r" { advance() }
        }

        mutating func expect(_ scalar: Unicode.Scalar) throws(ParseError) {
            guard peek == scalar else {
                throw error(
                    "expected '\(scalar)'" + (peek.map { ", found '\($0)'" } ?? " before the end of the line")
                )
            }
            advance()
        }

        mutating func expectLineEnd() throws(ParseError) {
            skipSpace()
            if atEnd || peek == "#" { return }
            throw error("unexpected '\(peek!)' after the value")
        }

        mutating func key() throws(ParseError) -> String {
            if peek == "\"" { return try basicString() }
            var key = ""
            while let scalar = peek,
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_"
                    || scalar == "-"
            {
                key.unicodeScalars.append(scalar)
                advance()
            }
            if peek == "." { throw error("dotted keys are not supported in theme files") }
            guard !key.isEmpty else {
                throw error(peek.map { "expected a key, found '\($0)'" } ?? "expected a key")
            }
            return key
        }

        mutating func value() throws(ParseError) -> Value {
            guard let scalar = peek else { throw error("expected a value") }
            switch scalar {
            case "\"": return .string(try basicString())
            case "'": return .string(try literalString())
            case "[", "{":
                guard depth < Self.maximumDepth else {
                    throw error("arrays and tables nested more than \(Self.maximumDepth) deep")
                }
                depth += 1
                defer { depth -= 1 }
                return scalar == "[" ? try array() : try inlineTable()
            case "t", "f":
                let word = word()
                if word == "true" { return .bool(true) }
                if word == "false" { return .bool(false) }
                throw error("unknown value '\(word)'; strings need quotes")
            case "-", "+", "0"..."9":
                let word = word()
                if let number = Int(word.replacingUnderscores()) { return .integer(number) }
                if let number = Double(word.replacingUnderscores()), number.isFinite { return .float(number) }
                throw error("'\(word)' is not a number")
            default:
                throw error("unknown value starting with '\(scalar)'; strings need quotes")
            }
        }

        mutating func word() -> String {
            var word = ""
            while let scalar = peek, !(" \t,]}#".unicodeScalars.contains(scalar)) {
                word.unicodeScalars.append(scalar)
                advance()
            }
            return word
        }

        mutating func basicString() throws(ParseError) -> String {
            try expect("\"")
            var text = ""
            while let scalar = peek {
                advance()
                switch scalar {
                case "\"": return text
                case "\\":
                    guard let escaped = peek else { break }
                    advance()
                    switch escaped {
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    case "\"", "\\": text.unicodeScalars.append(escaped)
                    default: throw error("unsupported escape '\\\(escaped)'")
                    }
                default: text.unicodeScalars.append(scalar)
                }
            }
            throw error("unterminated string")
        }

        mutating func literalString() throws(ParseError) -> String {
            try expect("'")
            var text = ""
            while let scalar = peek {
                advance()
                if scalar == "'" { return text }
                text.unicodeScalars.append(scalar)
            }
            throw error("unterminated string")
        }

        mutating func array() throws(ParseError) -> Value {
            try expect("[")
            var elements: [Value] = []
            skipSpace()
            while peek != "]" {
                elements.append(try value())
                skipSpace()
                if peek == "," {
                    advance()
                    skipSpace()
                } else if peek != "]" {
                    throw error("expected ',' or ']' in the array")
                }
            }
            advance()
            return .array(elements)
        }

        mutating func inlineTable() throws(ParseError) -> Value {
            try expect("{")
            var members: [(String, Value)] = []
            skipSpace()
            while peek != "}" {
                let name = try key()
                skipSpace()
                try expect("=")
                skipSpace()
                if members.contains(where: { $0.0 == name }) { throw error("duplicate key '\(name)'") }
                members.append((name, try value()))
                skipSpace()
                if peek == "," {
                    advance()
                    skipSpace()
                } else if peek != "}" {
                    throw error("expected ',' or '}' in the inline table")
                }
            }
            advance()
            return .table(members)
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
