/// What a registry says an image is.
public struct RegistryImage: Sendable, Equatable {
    public struct Platform: Sendable, Equatable {
        public var digest: String
        public var os: String?
        public var architecture: String?
        public var variant: String?
        public var config: ImageConfig?

        public init(
            digest: String, os: String?, architecture: String?, variant: String?, config: ImageConfig? = nil
        ) {
            self.digest = digest
            self.os = os
            self.architecture = architecture
            self.variant = variant
            self.config = config
        }

        /// `linux/arm64/v8`.
        public var name: String {
            [os ?? "?", architecture ?? "?", variant].compactMap { $0 }.joined(separator: "/")
        }
    }

    public var digest: String
    public var mediaType: String
    public var platforms: [Platform] = []

    public init(digest: String, mediaType: String, platforms: [Platform] = []) {
        self.digest = digest
        self.mediaType = mediaType
        self.platforms = platforms
    }

    /// The platform to show first: linux/amd64 when there is one, else the first that runs.
    public var preferredPlatform: Int {
        platforms.firstIndex { $0.os == "linux" && $0.architecture == "amd64" }
            ?? platforms.firstIndex { $0.os != "unknown" } ?? 0
    }

    /// Platforms that are images (attestation manifests ride along as `unknown/unknown`).
    public var runnablePlatforms: [Platform] { platforms.filter { $0.os != "unknown" } }

    /// Configs already fetched, kept when the same image is looked up for another platform.
    public mutating func merge(_ other: RegistryImage) {
        guard other.digest == digest else { return }
        for (index, platform) in platforms.enumerated() where platform.config == nil {
            platforms[index].config = other.platforms.first { $0.digest == platform.digest }?.config
        }
    }
}

/// An image config: how it was built (`history`) and what it says about itself (labels).
public struct ImageConfig: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var createdBy: String
        public var emptyLayer: Bool
        public var buildKit: Bool
    }

    public var os: String?
    public var architecture: String?
    public var history: [Step] = []
    public var labels: [String: String] = [:]

    /// Where the image's source lives (`org.opencontainers.image.source`), when it is a web URL.
    public var source: String? { Self.webURL(labels["org.opencontainers.image.source"]) }
    /// The source revision it was built from (`org.opencontainers.image.revision`), as one line.
    public var revision: String? {
        labels["org.opencontainers.image.revision"].map { TerminalSanitizer.line(String($0.prefix(80))) }
    }

    /// `http(s)://` text of printable ASCII without spaces (what a terminal can open), else nil.
    public static func webURL(_ text: String?) -> String? {
        guard let text, text.hasPrefix("https://") || text.hasPrefix("http://"), text.utf8.count <= 512,
            text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return text
    }

    public init?(parsing text: String) {
        guard let value = try? JSONValue.parse(text), case .object = value else { return nil }
        let fields = value.members
        os = fields["os"]?.string
        architecture = fields["architecture"]?.string
        if case .array(let steps)? = fields["history"] {
            history = steps.prefix(500).map { step in
                let members = step.members
                let comment = members["comment"]?.string ?? ""
                var empty = false
                if case .bool(let flag)? = members["empty_layer"] { empty = flag }
                return Step(
                    createdBy: members["created_by"]?.string ?? "", emptyLayer: empty,
                    buildKit: comment.hasPrefix("buildkit"))
            }
        }
        for (key, label) in fields["config"]?.members["Labels"]?.members ?? [:] {
            if case .string(let text) = label { labels[key] = text }
        }
    }

    /// The instructions the history records, as a Dockerfile would say them: `#(nop)` prefixes
    /// and `# buildkit` suffixes removed, shell steps as `RUN`. `base` marks the steps that came
    /// with the base image (the classic-builder steps before the first BuildKit one), as far as
    /// the history allows telling.
    public var instructions: [(text: String, base: Bool)] {
        let firstOwn = history.firstIndex(where: \.buildKit) ?? history.count
        return history.enumerated().map { index, step in
            (Self.instruction(step.createdBy), firstOwn < history.count && index < firstOwn)
        }
    }

    static func instruction(_ createdBy: String) -> String {
        var text = createdBy.trimmingASCIIWhitespaceString()
        if text.hasSuffix("# buildkit") {
            text = String(text.dropLast("# buildkit".count)).trimmingASCIIWhitespaceString()
        }
        for prefix in ["/bin/sh -c #(nop)", "|"] where text.hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count)).trimmingASCIIWhitespaceString()
            return text
        }
        if text.hasPrefix("/bin/sh -c ") { return "RUN " + text.dropFirst("/bin/sh -c ".count) }
        if text.hasPrefix("RUN /bin/sh -c ") { return "RUN " + text.dropFirst("RUN /bin/sh -c ".count) }
        return text
    }

    public static func == (lhs: ImageConfig, rhs: ImageConfig) -> Bool {
        lhs.os == rhs.os && lhs.architecture == rhs.architecture && lhs.history == rhs.history
            && lhs.labels == rhs.labels
    }
}

extension String {
    fileprivate func trimmingASCIIWhitespaceString() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}

/// The registry's name grammar: nothing from a payload goes into a URL unless it fits.
public enum RegistryNames {
    /// The registry host a repository name starts with (`ghcr.io/acme/api` → `ghcr.io`), by
    /// Docker's rule: a first component with a `.` or `:`, or `localhost`; nil for Docker Hub's.
    public static func host(of repository: String) -> String? {
        guard let slash = repository.firstIndex(of: "/") else { return nil }
        let first = repository[..<slash]
        return first.contains(".") || first.contains(":") || first == "localhost" ? String(first) : nil
    }

    /// `[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*`, at most 255 characters.
    public static func isRepository(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard let first = component.first, let last = component.last, isLowerAlphanumeric(first),
                isLowerAlphanumeric(last)
            else { return false }
            var previousSeparator = false
            for character in component {
                if isLowerAlphanumeric(character) {
                    previousSeparator = false
                } else if character == "." || character == "_" || character == "-" {
                    // `__` is allowed by the grammar; other doubled separators are not.
                    if previousSeparator && character != "_" { return false }
                    previousSeparator = true
                } else {
                    return false
                }
            }
        }
        return true
    }

    /// A tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) or a digest.
    public static func isReference(_ reference: String) -> Bool {
        if isDigest(reference) { return true }
        guard let first = reference.first, reference.count <= 128,
            first.isASCII && (first.isLetter || first.isNumber || first == "_")
        else { return false }
        return reference.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    public static func isDigest(_ text: String) -> Bool {
        guard text.hasPrefix("sha256:") else { return false }
        let hex = text.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    static func isLowerAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isNumber || character.isLowercase)
    }
}
