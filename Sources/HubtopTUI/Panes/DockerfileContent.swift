import HubtopCore

/// A Dockerfile split into display lines, with the spans each line is highlighted in.
public enum DockerfileContent {
    public struct Span: Equatable, Sendable {
        public var text: String
        public var role: Role
    }

    static let instructions: Set<String> = [
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
        "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    ]

    /// Lines with tabs expanded (to 8 columns, as a terminal would) and controls made visible.
    public static func lines(of event: StoredEvent?) -> [String] {
        guard let dockerfile = event?.payload.repository.dockerfile else { return [] }
        var lines = dockerfile.split(separator: "\n", omittingEmptySubsequences: false).map {
            expandTabs(String($0))
        }
        if lines.last == "" { lines.removeLast() }
        return lines.map { TerminalSanitizer.line($0) }
    }

    static func expandTabs(_ line: String) -> String {
        guard line.contains("\t") else { return line }
        var out = ""
        var column = 0
        for character in line {
            if character == "\t" {
                let spaces = 8 - column % 8
                out += String(repeating: " ", count: spaces)
                column += spaces
            } else {
                out.append(character)
                column += DisplayWidth.of(character)
            }
        }
        return out
    }

    /// Highlight spans for every line: instructions, comments, strings, continuation lines.
    public static func highlight(_ lines: [String]) -> [[Span]] {
        var continued = false
        return lines.map { line in
            let spans = highlightLine(line, continued: continued)
            let trimmed = line.trimmingTrailingSpaces()
            if line.trimmingLeadingSpaces().hasPrefix("#") && !continued {
                continued = false
            } else {
                continued = trimmed.hasSuffix("\\")
            }
            return spans
        }
    }

    static func highlightLine(_ line: String, continued: Bool) -> [Span] {
        let stripped = line.trimmingLeadingSpaces()
        if stripped.hasPrefix("#") { return [Span(text: line, role: .dockerfileComment)] }
        var spans: [Span] = []
        var rest = Substring(line)
        if !continued {
            let indent = rest.prefix { $0 == " " }
            rest = rest.dropFirst(indent.count)
            let word = rest.prefix { !$0.isWhitespace }
            if instructions.contains(word.uppercased()) {
                if !indent.isEmpty { spans.append(Span(text: String(indent), role: .text)) }
                spans.append(Span(text: String(word), role: .dockerfileInstruction))
                rest = rest.dropFirst(word.count)
            } else {
                rest = Substring(line)
            }
        }
        let base: Role = continued ? .dockerfileContinuation : .text
        var current = ""
        var quote: Character?
        for character in rest {
            if let open = quote {
                current.append(character)
                if character == open {
                    spans.append(Span(text: current, role: .dockerfileString))
                    current = ""
                    quote = nil
                }
            } else if character == "\"" || character == "'" {
                if !current.isEmpty { spans.append(Span(text: current, role: base)) }
                current = String(character)
                quote = character
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty {
            spans.append(Span(text: current, role: quote == nil ? base : .dockerfileString))
        }
        return spans
    }

    /// The diff of `event`'s Dockerfile against `base`'s (everything added when there is no base).
    public static func diff(base: StoredEvent?, event: StoredEvent?) -> [LineDiff.Line] {
        LineDiff.diff(lines(of: base), lines(of: event))
    }

    /// The same for what the viewer shows of each: the payload's Dockerfile or a reconstruction.
    public static func diff(_ state: DashboardState) -> [LineDiff.Line] {
        LineDiff.diff(
            document(for: state.data.diffBase, state).lines,
            document(for: state.data.focusedEvent, state).lines)
    }

    /// What the viewer shows, as plain lines (for scrolling and searching).
    public static func shownLines(_ state: DashboardState) -> [String] {
        guard state.dockerfile?.showDiff == true else {
            return document(for: state.data.focusedEvent, state).lines
        }
        return diff(state).map { line in
            switch line.kind {
            case .same: return "  " + line.text
            case .added: return "+ " + line.text
            case .removed: return "- " + line.text
            }
        }
    }

    /// The next line containing `needle` (case-insensitive) after `line`, wrapping around.
    public static func nextMatch(of needle: String, in lines: [String], after line: Int, forward: Bool)
        -> Int?
    {
        guard !needle.isEmpty, !lines.isEmpty else { return nil }
        let lowered = needle.lowercased()
        for step in 1...lines.count {
            let index = ((line + (forward ? step : -step)) % lines.count + lines.count) % lines.count
            if lines[index].lowercased().contains(lowered) { return index }
        }
        return nil
    }

    public static func matchCount(of needle: String, in lines: [String]) -> Int {
        guard !needle.isEmpty else { return 0 }
        let lowered = needle.lowercased()
        return lines.filter { $0.lowercased().contains(lowered) }.count
    }
}

/// What the viewer has for one event: the payload's Dockerfile, one reconstructed from the
/// image history the registry holds, or a sentence saying why there is neither yet.
public struct DockerfileDocument: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case payload
        /// `platform` of `platforms` (1-based); `byTag`: the tag as it is now, not the push's digest.
        case reconstructed(digest: String, platform: String, index: Int, platforms: Int, byTag: Bool)
        case message(String)
    }

    public var kind: Kind
    public var lines: [String] = []

    public var isReconstructed: Bool {
        if case .reconstructed = kind { return true }
        return false
    }
}

extension DockerfileContent {
    public static func document(for event: StoredEvent?, _ state: DashboardState) -> DockerfileDocument {
        guard let event else { return DockerfileDocument(kind: .message("no event selected")) }
        if event.payload.repository.dockerfile != nil {
            return DockerfileDocument(kind: .payload, lines: lines(of: event))
        }
        if let artifact = event.payload.artifact {
            return DockerfileDocument(
                kind: .message("a \(artifact.rawValue) push: an artifact of an image, with no Dockerfile"))
        }
        let none = "no Dockerfile in this delivery (Docker Hub sends none for images pushed from CI)"
        guard state.enrichment != .off else {
            return DockerfileDocument(kind: .message(none + "; registry lookups are off (--enrich off)"))
        }
        switch state.imageLookups[event.id] {
        case nil:
            return DockerfileDocument(kind: .message(none))
        case .loading?:
            let reference = TerminalSanitizer.line(event.tag ?? "?")
            return DockerfileDocument(
                kind: .message(
                    "no Dockerfile in this delivery: reading \(TerminalSanitizer.line(event.repoName)):\(reference)'s history from the registry…"
                ))
        case .failed(let reason)?:
            return DockerfileDocument(
                kind: .message(none + "; the registry lookup failed: " + TerminalSanitizer.line(reason)))
        case .found(let image, let byTag)?:
            let index = state.platform(of: event.id, in: image)
            guard image.platforms.indices.contains(index) else {
                return DockerfileDocument(kind: .message("the registry lists no platform for this image"))
            }
            let platform = image.platforms[index]
            let runnable = image.platforms.indices.filter { image.platforms[$0].os != "unknown" }
            let kind = DockerfileDocument.Kind.reconstructed(
                digest: image.digest, platform: TerminalSanitizer.line(platform.name),
                index: (runnable.firstIndex(of: index) ?? 0) + 1, platforms: max(1, runnable.count),
                byTag: byTag)
            guard let config = platform.config else {
                return DockerfileDocument(
                    kind: .message(
                        "reading the \(TerminalSanitizer.line(platform.name)) config from the registry…"))
            }
            return DockerfileDocument(kind: kind, lines: reconstructedLines(config))
        }
    }

    /// The image history as Dockerfile lines, with its source and revision labels above and
    /// the base image's steps set apart, as far as the history tells them apart.
    public static func reconstructedLines(_ config: ImageConfig) -> [String] {
        var lines = ["# Reconstructed from the image history"]
        if let source = config.source { lines.append("# source:   " + source) }
        if let revision = config.revision { lines.append("# revision: " + revision) }
        let instructions = config.instructions
        let hasBase = instructions.contains { $0.base }
        for (position, instruction) in instructions.enumerated() {
            if hasBase && position == 0 { lines.append("# ── from the base image ──") }
            if hasBase && !instruction.base && (position == 0 || instructions[position - 1].base) {
                lines.append("# ── this image ──")
            }
            // Heredocs and multi-line RUNs keep their lines.
            for piece in instruction.text.split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append(TerminalSanitizer.line(expandTabs(String(piece))))
            }
        }
        if instructions.isEmpty { lines.append("# (the config records no history)") }
        return lines
    }
}

extension String {
    func trimmingLeadingSpaces() -> Substring { drop { $0 == " " } }
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
