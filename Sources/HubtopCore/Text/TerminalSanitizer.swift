/// Makes untrusted payload text safe to put on a terminal.
///
/// Payloads are unsigned and anyone who knows the URL can send one, so no byte of theirs may
/// reach the terminal as a control: C0 controls, DEL, ESC, C1 controls and bidi
/// overrides/isolates become a visible placeholder; TAB becomes spaces.
public enum TerminalSanitizer {
    public static let placeholder: Character = "\u{FFFD}"

    /// For one-line fields: newlines are replaced too.
    public static func line(_ text: String, tabWidth: Int = 4) -> String {
        sanitize(text, keepNewlines: false, tabWidth: tabWidth)
    }

    /// For multi-line text (Dockerfiles, descriptions): newlines are kept, everything else as `line`.
    public static func multiline(_ text: String, tabWidth: Int = 4) -> String {
        sanitize(text, keepNewlines: true, tabWidth: tabWidth)
    }

    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        // Bidi embeddings, overrides, isolates and marks that can reorder what surrounds them.
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// Characters that draw nothing, so that `acme/a\u{200B}pi` would look exactly like
    /// `acme/api`: zero-width spaces and joiners, word joiners and invisible operators, the BOM,
    /// the soft hyphen, Mongolian vowel separator, combining grapheme joiner, Hangul fillers and
    /// tag characters. They are shown as `⟨U+XXXX⟩`.
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00AD, 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0: return true
        case 0x200B...0x200D, 0x2060...0x2064, 0xE0000...0xE007F: return true
        default: return false
        }
    }

    static func needsWork(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && (isUnsafe(scalar) || isInvisible(scalar)))
    }

    static func sanitize(_ text: String, keepNewlines: Bool, tabWidth: Int) -> String {
        // Fast path: nothing to change.
        if !text.unicodeScalars.contains(where: needsWork) { return text }
        var out = String.UnicodeScalarView()
        var column = 0
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where keepNewlines:
                out.append(scalar)
                column = 0
                continue
            case "\r" where keepNewlines:
                // CR would move the cursor back over what was drawn; drop it.
                continue
            case "\t":
                let spaces = tabWidth - column % tabWidth
                for _ in 0..<spaces { out.append(" ") }
                column += spaces
                continue
            default:
                break
            }
            if isUnsafe(scalar) {
                out.append(contentsOf: placeholder.unicodeScalars)
            } else if isInvisible(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                let marker = "⟨U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex)⟩"
                out.append(contentsOf: marker.unicodeScalars)
                column += marker.unicodeScalars.count - 1
            } else {
                out.append(scalar)
            }
            column += 1
        }
        return String(out)
    }
}
