/// Terminal display width of text: East Asian wide characters and emoji take two columns,
/// combining marks none. Computed here (not with the C library) so panes can be laid out and
/// tested without a terminal or a UTF-8 locale.
public enum DisplayWidth {
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x7F { return first.value < 0x20 ? 1 : 1 }
        if scalars.count > 1 && scalars.contains("\u{FE0F}") { return 2 }
        return of(first)
    }

    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x300 { return 1 }
        // Dashes, quotes, `…`, arrows, box drawing and blocks (what the panes draw most) are
        // narrow and need no property lookup; U+25FD/U+25FE are emoji and take the slow path.
        if (0x2010...0x2027).contains(value) || (0x2190...0x21FF).contains(value)
            || (0x2500...0x25FC).contains(value)
        {
            return 1
        }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if scalar.properties.isEmojiPresentation { return 2 }
        return isWide(value) ? 2 : 1
    }

    static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    public static func of(_ text: some StringProtocol) -> Int {
        // ASCII (most of what is measured): one column a byte, no grapheme breaking.
        let ascii = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.allSatisfy { $0 < 0x80 } ? bytes.count : nil
        }
        if let ascii, let count = ascii { return count }
        var total = 0
        for character in text { total += of(character) }
        return total
    }

    /// The longest prefix of `text` that fits in `width` columns, with `…` when cut.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        if text.utf8.count <= width && text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        if of(text) <= width { return text }
        var result = ""
        var used = 0
        for character in text {
            let cell = of(character)
            if used + cell > width - 1 { break }
            result.append(character)
            used += cell
        }
        return result + "…"
    }

    /// `text` truncated or padded with spaces to exactly `width` columns.
    public static func fit(_ text: String, to width: Int, alignRight: Bool = false) -> String {
        let cut = truncate(text, to: width)
        let padding = String(repeating: " ", count: max(0, width - of(cut)))
        return alignRight ? padding + cut : cut + padding
    }
}
