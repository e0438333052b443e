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

    /// `0.3` (one decimal place, without Foundation).
    public static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// A short time for a person: `0.4 ms`, `12 ms`, `1.3 s`.
    public static func short(_ seconds: Double) -> String {
        let milliseconds = seconds * 1000
        if milliseconds < 10 { return oneDecimal(milliseconds) + " ms" }
        if milliseconds < 1000 { return "\(Int(milliseconds.rounded())) ms" }
        return oneDecimal(seconds) + " s"
    }

    /// A lag for a person, in whole units: `42 s`, `12 min`, `3 h 5 min`, `2 d`.
    public static func describe(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 120 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min" }
        if whole < 86_400 {
            return "\(whole / 3600) h" + (whole % 3600 >= 60 ? " \(whole % 3600 / 60) min" : "")
        }
        return "\(whole / 86_400) d"
    }
}
