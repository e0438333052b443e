/// Sizes as people write them on a command line: `512MiB`, `2GiB`, `64KiB`, or plain bytes.
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingASCIIWhitespace()
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = String(trimmed.dropLast(suffix.count)).trimmingASCIIWhitespace()
            guard let value = Int(number), value >= 0, value <= Int.max / factor else { return nil }
            return value * factor
        }
        guard let value = Int(trimmed), value >= 0 else { return nil }
        return value
    }

    /// `512 MiB`, `1.5 GiB`, `300 B`.
    public static func format(_ bytes: Int) -> String {
        let units: [(String, Double)] = [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024)]
        for (unit, size) in units where Double(bytes) >= size {
            let value = Double(bytes) / size
            let rounded = (value * 10).rounded() / 10
            return rounded == rounded.rounded() ? "\(Int(rounded)) \(unit)" : "\(rounded) \(unit)"
        }
        return "\(bytes) B"
    }
}
