/// A line-by-line diff (longest common subsequence), for comparing Dockerfiles.
public enum LineDiff {
    public enum Kind: Sendable, Equatable {
        case same
        case added
        case removed
    }

    public struct Line: Sendable, Equatable {
        public var kind: Kind
        public var text: String
    }

    /// Inputs larger than this many lines on both sides are compared as a whole (all removed,
    /// then all added) rather than spending quadratic time on them.
    public static let maximumCells = 4_000_000

    public static func diff(_ old: [String], _ new: [String]) -> [Line] {
        // Common head and tail first: most Dockerfile changes touch a few lines in the middle.
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        let a = Array(old[prefix..<(old.count - suffix)])
        let b = Array(new[prefix..<(new.count - suffix)])
        var result = old[..<prefix].map { Line(kind: .same, text: $0) }
        result += middle(a, b)
        result += old[(old.count - suffix)...].map { Line(kind: .same, text: $0) }
        return result
    }

    static func middle(_ a: [String], _ b: [String]) -> [Line] {
        if a.isEmpty { return b.map { Line(kind: .added, text: $0) } }
        if b.isEmpty { return a.map { Line(kind: .removed, text: $0) } }
        guard (a.count + 1) * (b.count + 1) <= maximumCells else {
            return a.map { Line(kind: .removed, text: $0) } + b.map { Line(kind: .added, text: $0) }
        }
        // lengths[i][j]: LCS length of a[i...] and b[j...], in one flat array.
        let width = b.count + 1
        var lengths = [Int32](repeating: 0, count: (a.count + 1) * width)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i * width + j] =
                    a[i] == b[j]
                    ? lengths[(i + 1) * width + j + 1] + 1
                    : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
            }
        }
        var result: [Line] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                result.append(Line(kind: .same, text: a[i]))
                i += 1
                j += 1
            } else if i < a.count
                && (j == b.count || lengths[(i + 1) * width + j] >= lengths[i * width + j + 1])
            {
                // Removals before additions, as unified diffs show them.
                result.append(Line(kind: .removed, text: a[i]))
                i += 1
            } else {
                result.append(Line(kind: .added, text: b[j]))
                j += 1
            }
        }
        return result
    }
}
