/// Counts drawn as block characters, one per bar.
enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// A blank for no activity; otherwise at least the lowest block, scaled against `peak`.
    static func render(_ values: [Int], peak: Int? = nil) -> String {
        let top = max(1, peak ?? values.max() ?? 1)
        return String(
            values.map { value -> Character in
                guard value > 0 else { return " " }
                let level = (value * blocks.count + top - 1) / top
                return blocks[min(blocks.count, max(1, level)) - 1]
            })
    }

    /// Sums neighbouring values so that `values` fits in `bars` bars (oldest first, as given).
    static func downsample(_ values: [Int], to bars: Int) -> [Int] {
        guard bars > 0, values.count > bars else { return values }
        let group = (values.count + bars - 1) / bars
        return stride(from: 0, to: values.count, by: group).map {
            values[$0..<min(values.count, $0 + group)].reduce(0, +)
        }
    }
}
