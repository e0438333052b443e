extension JSONWriter {
    /// A JSON body with every character a terminal would act on or hide (controls, DEL, C1,
    /// bidi and invisible characters, U+2028/U+2029) written as a `\u` escape: the same JSON
    /// value, safe to paste. Escapes already in the text stay as they are; whitespace between
    /// tokens stays. Bytes that are not UTF-8 are copied (they cannot form a control).
    public static func escapingUnsafeText(in body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 16)
        body.withUnsafeBufferPointer { bytes in
            var index = 0
            var inString = false
            while index < bytes.count {
                let byte = bytes[index]
                if inString && byte == UInt8(ascii: "\\") && index + 1 < bytes.count {
                    out.append(byte)
                    index += 1
                    // `\u001b` and friends are already escaped; a backslash before a raw control
                    // is escaped below on the next turn.
                    if bytes[index] >= 0x20 && bytes[index] != 0x7F {
                        out.append(bytes[index])
                        index += 1
                    } else {
                        // `\` then a raw control is no valid escape: keep the backslash escaped.
                        out.append(UInt8(ascii: "\\"))
                    }
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString.toggle() }
                let isLayout = !inString && (byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D)
                if (byte < 0x20 || byte == 0x7F) && !isLayout {
                    out.append(contentsOf: unicodeEscape(UInt32(byte)))
                    index += 1
                    continue
                }
                if byte >= 0xC2 && byte <= 0xF4 {
                    let (scalar, length) = decodeScalar(bytes, at: index)
                    if let scalar,
                        TerminalSanitizer.isUnsafe(scalar) || TerminalSanitizer.isInvisible(scalar)
                            || scalar.value == 0x2028 || scalar.value == 0x2029
                    {
                        if scalar.value > 0xFFFF {
                            let value = scalar.value - 0x10000
                            out.append(contentsOf: unicodeEscape(0xD800 + (value >> 10)))
                            out.append(contentsOf: unicodeEscape(0xDC00 + (value & 0x3FF)))
                        } else {
                            out.append(contentsOf: unicodeEscape(scalar.value))
                        }
                        index += length
                        continue
                    }
                    let end = min(bytes.count, index + max(1, length))
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                    index = end
                    continue
                }
                out.append(byte)
                index += 1
            }
        }
        return out
    }
}
