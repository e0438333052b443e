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

/// The one pattern language of `--repo`, `--tag`, `--pusher`, `/` and `hubtop export`: a
/// case-insensitive substring (`rabbit` matches `goliatone/hello-rabbit`), or a whole-name glob
/// when the pattern has `*` or `?` (`acme/*`). `--allow-repo` is a security boundary and always
/// a whole-name glob (`GlobPattern`), so `acme` there can never admit `evil/acme-lookalike`.
public struct NamePattern: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    private let needle: String
    private let glob: GlobPattern?

    public init(_ text: String) {
        description = text
        needle = text.lowercased()
        glob = text.contains(where: { $0 == "*" || $0 == "?" }) ? GlobPattern(text) : nil
    }

    public var isEmpty: Bool { description.isEmpty }

    public func matches(_ name: String) -> Bool {
        if let glob { return glob.matches(name) }
        return needle.isEmpty || name.lowercased().contains(needle)
    }

    /// The same, for a name already lowercased (the store keeps one per repository).
    public func matches(lowercased name: String) -> Bool {
        if let glob { return glob.matches(name) }
        return needle.isEmpty || name.contains(needle)
    }
}
