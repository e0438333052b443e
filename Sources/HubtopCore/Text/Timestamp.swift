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
}
