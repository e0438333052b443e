import ArgumentParser
import HubtopTUI

/// `hubtop themes`: list the themes hubtop finds, or check one file.
struct ThemesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "themes",
        abstract: "List the colour themes hubtop finds, with a preview, or check a theme file."
    )

    @Option(help: "Validate this theme file; exit non-zero on errors.")
    var check: String?

    @Flag(help: "No colour in the preview (also when $NO_COLOR is set and not empty).")
    var noColor = false

    func run() throws {
        if let check {
            let source = ThemeCatalog.resolve(check) ?? ThemeSource(name: check, path: check)
            let (theme, diagnostics) = ThemeCatalog.load(source)
            for diagnostic in diagnostics { Console.error(diagnostic.description) }
            guard let theme else { throw ExitCode(1) }
            Console.out(
                "\(source.path): ok, theme '\(theme.name)' sets \(theme.styles.count) of \(Role.allCases.count) roles"
            )
            return
        }
        let colour = !noColor && !Environment.noColorRequested
        let sources = ThemeCatalog.available()
        if sources.isEmpty { Console.out("no theme files found; the built-in default theme is used") }
        let width = sources.map(\.name.count).max() ?? 0
        for source in sources {
            let (theme, diagnostics) = ThemeCatalog.load(source)
            let name = source.name + String(repeating: " ", count: width - source.name.count)
            guard let theme else {
                Console.out(
                    "\(name)  (has errors: \(diagnostics.first?.description ?? "unknown"))  \(source.path)")
                continue
            }
            Console.out("\(name)  \(ThemePreview.line(theme, colour: colour))  \(source.path)")
        }
    }
}

/// A one-line sample of a theme in 256-colour escape codes.
enum ThemePreview {
    static let samples: [(String, Role)] = [
        (" hubtop ", .header), (" LIVE ", .live), ("acme/api", .repository), ("v1.2.3", .tag),
        ("alice", .pusher),
        ("12:00", .time), ("FROM", .dockerfileInstruction), ("# note", .dockerfileComment),
        (" sel ", .selection),
        ("warn", .warning),
    ]

    static func line(_ theme: Theme, colour: Bool) -> String {
        samples.map { text, role in
            guard colour else { return text }
            let style = theme.style(for: role)
            var codes: [String] = []
            if style.attributes.contains(.bold) { codes.append("1") }
            if style.attributes.contains(.dim) { codes.append("2") }
            if style.attributes.contains(.underline) { codes.append("4") }
            if style.attributes.contains(.reverse) { codes.append("7") }
            if let code = sgr(style.foreground, base: 38) { codes.append(code) }
            if let code = sgr(style.background, base: 48) { codes.append(code) }
            return "\u{1B}[" + codes.joined(separator: ";") + "m" + text + "\u{1B}[0m"
        }.joined(separator: " ")
    }

    static func sgr(_ color: Color, base: Int) -> String? {
        switch color {
        case .terminalDefault: return nil
        case .index(let index): return "\(base);5;\(index)"
        case .rgb:
            // The nearest 256-colour entry, as the dashboard itself would show it.
            return "\(base);5;\(ColorCapability(colors: 256).terminalColor(color))"
        }
    }
}
