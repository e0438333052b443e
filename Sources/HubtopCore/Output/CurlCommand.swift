/// A `curl` command that sends a delivery again: the body exactly as received, for bash or zsh.
/// What a terminal would act on (controls, ESC, C1, bidi and invisible characters) is written as
/// `$'\xHH'` / `$'\uHHHH'` escapes, never raw, so that printing or pasting the command is safe.
public enum CurlCommand {
    public static func command(
        body: [UInt8], url: String, contentType: String = "application/json", deliveryID: String? = nil
    ) -> String {
        var parts = ["curl", "-sS", "-X", "POST", "-H", quoted(Array("Content-Type: \(contentType)".utf8))]
        if let deliveryID { parts += ["-H", quoted(Array("X-Hubtop-Delivery: \(deliveryID)".utf8))] }
        parts += ["--data-binary", quoted(body), url]
        return parts.joined(separator: " ")
    }

    /// `'text'` when every character is plain, else `$'…'` with the others escaped.
    public static func quoted(_ bytes: [UInt8]) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            // Not UTF-8: every byte outside printable ASCII spelled out, so the bytes are exact.
            var out = "$'"
            for byte in bytes {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "'") {
                    out += "\\" + String(UnicodeScalar(byte))
                } else if byte >= 0x20 && byte < 0x7F {
                    out.unicodeScalars.append(UnicodeScalar(byte))
                } else {
                    out += "\\x" + hex(UInt32(byte), width: 2)
                }
            }
            return out + "'"
        }
        let needsEscapes = text.unicodeScalars.contains {
            TerminalSanitizer.isUnsafe($0) || TerminalSanitizer.isInvisible($0)
        }
        guard needsEscapes else { return "'" + text.replacing("'", with: "'\\''") + "'" }
        var out = "$'"
        for scalar in text.unicodeScalars {
            if scalar == "\\" || scalar == "'" {
                out += "\\" + String(scalar)
            } else if scalar.value < 0x80 && (scalar.value < 0x20 || scalar.value == 0x7F) {
                out += "\\x" + hex(scalar.value, width: 2)
            } else if TerminalSanitizer.isUnsafe(scalar) || TerminalSanitizer.isInvisible(scalar) {
                out +=
                    scalar.value > 0xFFFF
                    ? "\\U" + hex(scalar.value, width: 8) : "\\u" + hex(scalar.value, width: 4)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
