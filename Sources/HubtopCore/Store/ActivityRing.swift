/// Counts of events per time bucket over a sliding window, in fixed memory.
///
/// A slot remembers which bucket it counts, so slots of buckets that rolled out of the window
/// read as zero without ever being swept.
public struct ActivityRing: Sendable, Equatable {
    public let bucketSeconds: Double
    private var stamps: [Int64]
    private var counts: [UInt32]

    public init(bucketSeconds: Double, buckets: Int) {
        precondition(bucketSeconds > 0 && buckets > 0)
        self.bucketSeconds = bucketSeconds
        stamps = Array(repeating: Int64.min, count: buckets)
        counts = Array(repeating: 0, count: buckets)
    }

    func bucket(_ time: Double) -> Int64 {
        // Out-of-range times (a hostile journal) land in bucket 0 instead of trapping.
        let bucket = (time / bucketSeconds).rounded(.down)
        guard bucket.isFinite, abs(bucket) < 1e18 else { return 0 }
        return Int64(bucket)
    }

    func slot(_ bucket: Int64) -> Int {
        let count = Int64(counts.count)
        return Int(((bucket % count) + count) % count)
    }

    public mutating func add(at time: Double) {
        let bucket = bucket(time)
        let slot = slot(bucket)
        // Older than what the slot counts: long out of the window (a late or replayed event).
        if bucket < stamps[slot] { return }
        if stamps[slot] != bucket {
            stamps[slot] = bucket
            counts[slot] = 0
        }
        counts[slot] &+= 1
    }

    /// The last `buckets` counts up to and including the bucket of `now`, oldest first.
    public func recent(_ buckets: Int, now: Double) -> [Int] {
        let newest = bucket(now)
        let shown = min(max(0, buckets), counts.count)
        return (0..<shown).reversed().map { back in
            let bucket = newest - Int64(back)
            let slot = slot(bucket)
            return stamps[slot] == bucket ? Int(counts[slot]) : 0
        }
    }

    /// `recent` summed in groups of `group` buckets (e.g. 5-minute bars from 1-minute buckets).
    public func recent(_ bars: Int, of group: Int, now: Double) -> [Int] {
        // One pass and one array: the dashboard asks this of every repository on screen each second.
        let group = max(1, group)
        let newest = bucket(now)
        let span = bars * group
        let kept = max(0, min(span, counts.count))
        var result = [Int](repeating: 0, count: max(0, bars))
        for back in 0..<kept {
            let bucket = newest - Int64(back)
            let slot = slot(bucket)
            guard stamps[slot] == bucket else { continue }
            result[(span - 1 - back) / group] += Int(counts[slot])
        }
        return result
    }
}
