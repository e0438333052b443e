/// Shell-style wildcards over a whole string: `*` any run of characters (including `/`), `?` one
/// character; everything else literal. Case-insensitive, as Docker Hub names are lowercase.
public struct GlobPattern: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    private let pattern: [Character]

    public init(_ text: String) {
        description = text
        pattern = Array(text.lowercased())
    }

    public func matches(_ text: String) -> Bool {
        let subject = Array(text.lowercased())
        var p = 0
        var s = 0
        // Where the latest `*` was, and how much of the subject it has taken: retried on mismatch.
        var star: Int?
        var starTaken = 0
        while s < subject.count {
            if p < pattern.count && (pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == subject[s])) {
                p += 1
                s += 1
            } else if p < pattern.count && pattern[p] == "*" {
                star = p
                starTaken = s
                p += 1
            } else if let star {
                p = star + 1
                starTaken += 1
                s = starTaken
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
