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

    /// `2m`, `1h30m`, `45s`: the shortest exact spelling of whole seconds.
    public static func format(_ seconds: Double) -> String {
        var rest = Int(seconds.rounded())
        guard rest > 0 else { return "0s" }
        var out = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }
}
