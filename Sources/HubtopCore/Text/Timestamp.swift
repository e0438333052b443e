/// Calendar formatting without Foundation, so the core stays pure and fast.
public enum Timestamp {
    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func split(_ seconds: Double) -> (days: Int, secondOfDay: Int) {
        let whole = Int(seconds.rounded(.down))
        let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
        return (days, whole - days * 86_400)
    }

    /// `2026-11-29 08:10:01Z`
    public static func utc(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 3e11 else { return "????-??-?? ??:??:??" }
        let (days, second) = split(seconds)
        let date = civil(days: days)
        return "\(date.year)-\(two(date.month))-\(two(date.day)) \(clock(second))Z"
    }

    /// `08:10:01`
    public static func timeOfDay(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 3e11 else { return "??:??:??" }
        return clock(split(seconds).secondOfDay)
    }

    static func clock(_ second: Int) -> String {
        "\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
    }

    /// A short age such as `now`, `42s`, `5m`, `3h`, `12d`, `2y`.
    public static func age(_ seconds: Double, now: Double) -> String {
        let delta = max(0, now - seconds)
        guard delta.isFinite else { return "?" }
        switch delta {
        case ..<1: return "now"
        case ..<60: return "\(Int(delta))s"
        case ..<3600: return "\(Int(delta / 60))m"
        case ..<86_400: return "\(Int(delta / 3600))h"
        case ..<(86_400 * 365): return "\(Int(delta / 86_400))d"
        default: return "\(Int(delta / (86_400 * 365)))y"
        }
    }

    /// Days since 1970-01-01 of a civil date (the inverse of `civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Seconds since 1970 from `2026-11-29`, `2026-11-29T08:10`, `2026-11-29 08:10:01Z` (UTC; a
    /// trailing `Z` is optional, other offsets are not accepted).
    public static func parseUTC(_ text: String) -> Double? {
        var rest = Substring(text)
        if rest.last == "Z" || rest.last == "z" { rest = rest.dropLast() }
        let parts = rest.split(omittingEmptySubsequences: false) { $0 == "T" || $0 == " " || $0 == "t" }
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard date.count == 3, let year = date[0], let month = date[1], let day = date[2],
            parts[0].split(separator: "-")[0].count == 4, (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var second = 0
        if parts.count == 2 {
            let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard clock.count == 2 || clock.count == 3, clock.allSatisfy({ $0 != nil }) else { return nil }
            let values = clock.map { $0! }
            guard (0..<24).contains(values[0]), (0..<60).contains(values[1]),
                values.count == 2 || (0..<61).contains(values[2])
            else { return nil }
            second = values[0] * 3600 + values[1] * 60 + (values.count == 3 ? values[2] : 0)
        }
        return Double(days(year: year, month: month, day: day) * 86_400 + second)
    }
}
