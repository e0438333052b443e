/// Durations as people type them on the command line: `90s`, `2m`, `1h30m`, `7d`, `1.5h`, or a
/// bare number of seconds.
public enum DurationText {
    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]

    /// Seconds, or nil when the text is not a duration.
    public static func seconds(_ text: String) -> Double? {
        let trimmed = String(text.trimmingASCIIWhitespace())
        guard !trimmed.isEmpty else { return nil }
        if let plain = Double(trimmed) { return plain.isFinite && plain >= 0 ? plain : nil }
        var total = 0.0
        var number = ""
        for character in trimmed {
            if character.isASCII && (character.isNumber || character == ".") {
                number.append(character)
            } else if let unit = units[character], let value = Double(number) {
                total += value * unit
                number = ""
            } else {
                return nil
            }
        }
        guard number.isEmpty, total.isFinite else { return nil }
        return total
    }
}
