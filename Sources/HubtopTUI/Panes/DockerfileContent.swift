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

    /// What the viewer shows, as plain lines (for scrolling and searching).
    public static func shownLines(_ state: DashboardState) -> [String] {
        guard state.dockerfile?.showDiff == true else { return lines(of: state.data.focusedEvent) }
        return diff(base: state.data.diffBase, event: state.data.focusedEvent).map { line in
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

extension String {
    func trimmingLeadingSpaces() -> Substring { drop { $0 == " " } }
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
