/// Replaces or inserts values in a JSON object's text without re-serialising the rest, so a
/// payload keeps its quirks (such as the documented invalid escape) when `send` patches it.
public enum JSONPatcher {
    /// Sets `path` (object keys from the top) to `literal`, a JSON value's text.
    /// Missing objects along the path are created.
    public static func set(_ path: [String], to literal: String, in body: [UInt8]) throws(JSONError)
        -> [UInt8]
    {
        precondition(!path.isEmpty, "path must name at least one key")
        let edit: (range: Range<Int>, text: String) = try body.withUnsafeBufferPointer {
            buffer throws(JSONError) in
            var scanner = JSONScanner(bytes: buffer)
            return try locate(path[...], literal: literal, scanner: &scanner)
        }
        var result = Array(body[..<edit.range.lowerBound])
        result.append(contentsOf: edit.text.utf8)
        result.append(contentsOf: body[edit.range.upperBound...])
        return result
    }

    private static func locate(
        _ path: ArraySlice<String>, literal: String, scanner: inout JSONScanner
    ) throws(JSONError) -> (range: Range<Int>, text: String) {
        try scanner.beginObject()
        let openBrace = scanner.offset
        var first = true
        var empty = true
        while let key = try scanner.nextKey(first: &first) {
            empty = false
            _ = scanner.peek()
            let valueStart = scanner.offset
            if key == path.first! {
                if path.count == 1 {
                    try scanner.skipValue()
                    return (valueStart..<scanner.offset, literal)
                }
                if scanner.peek() == UInt8(ascii: "{") {
                    return try locate(path.dropFirst(), literal: literal, scanner: &scanner)
                }
                try scanner.skipValue()
                return (valueStart..<scanner.offset, nested(path.dropFirst(), literal))
            }
            try scanner.skipValue()
        }
        // Not present: insert right after the opening brace.
        let member = JSONWriter.quoted(path.first!) + ":" + nested(path.dropFirst(), literal)
        return (openBrace..<openBrace, empty ? member : member + ",")
    }

    private static func nested(_ path: ArraySlice<String>, _ literal: String) -> String {
        guard let key = path.first else { return literal }
        return "{" + JSONWriter.quoted(key) + ":" + nested(path.dropFirst(), literal) + "}"
    }
}
