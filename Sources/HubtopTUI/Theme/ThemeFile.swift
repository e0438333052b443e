import HubtopCore

/// A problem found in a theme file, with where it is.
public struct ThemeDiagnostic: Equatable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    public var severity: Severity
    public var file: String
    public var line: Int
    public var key: String?
    public var message: String

    public var description: String {
        "\(file):\(line): \(severity.rawValue): " + (key.map { "\($0): " } ?? "") + message
    }
}

/// Reads theme files: TOML with a `name` and a `[roles]` table of
/// `role = { fg = …, bg = …, attrs = [...] }`.
public enum ThemeFile {
    /// Role names as written in files: `border_focused` for `Role.borderFocused`.
    public static func key(for role: Role) -> String {
        var key = ""
        for character in role.rawValue {
            if character.isUppercase {
                key += "_" + character.lowercased()
            } else {
                key.append(character)
            }
        }
        return key
    }

    static let rolesByKey: [String: Role] = Dictionary(
        uniqueKeysWithValues: Role.allCases.map { (key(for: $0), $0) })

    public static let colorNames: [String: Int] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "bright_black": 8, "gray": 8, "grey": 8, "bright_red": 9, "bright_green": 10, "bright_yellow": 11,
        "bright_blue": 12, "bright_magenta": 13, "bright_cyan": 14, "bright_white": 15,
    ]

    static let attributeNames: [String: Attributes] = [
        "bold": .bold, "dim": .dim, "underline": .underline, "reverse": .reverse,
    ]

    /// Parses a theme. Errors make the theme unusable (nil); warnings (unknown keys) do not.
    public static func parse(_ text: String, file: String, defaultName: String) -> (
        theme: Theme?, diagnostics: [ThemeDiagnostic]
    ) {
        var diagnostics: [ThemeDiagnostic] = []
        func report(_ severity: ThemeDiagnostic.Severity, _ line: Int, _ key: String?, _ message: String) {
            diagnostics.append(
                ThemeDiagnostic(severity: severity, file: file, line: line, key: key, message: message))
        }
        let entries: [TOMLSubset.Entry]
        do {
            entries = try TOMLSubset.parse(text)
        } catch {
            report(.error, error.line, nil, error.message)
            return (nil, diagnostics)
        }
        var name = defaultName
        var styles: [Role: ThemeStyle] = [:]
        for entry in entries {
            switch (entry.table, entry.key) {
            case ("", "name"):
                if case .string(let value) = entry.value, !value.isEmpty {
                    name = value
                } else {
                    report(.error, entry.line, "name", "must be a non-empty string")
                }
            case ("", "description"), ("", "author"):
                break
            case ("roles", let key):
                guard let role = rolesByKey[key] else {
                    report(.warning, entry.line, "roles.\(key)", "unknown role, ignored")
                    continue
                }
                if let style = parseStyle(entry, path: "roles.\(key)", report: report) {
                    styles[role] = style
                }
            case (let table, let key):
                let path = table.isEmpty ? key : "\(table).\(key)"
                report(.warning, entry.line, path, "unknown key, ignored")
            }
        }
        if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
        return (Theme(name: name, styles: styles), diagnostics)
    }

    static func parseStyle(
        _ entry: TOMLSubset.Entry, path: String,
        report: (ThemeDiagnostic.Severity, Int, String?, String) -> Void
    ) -> ThemeStyle? {
        guard case .table(let members) = entry.value else {
            report(
                .error, entry.line, path,
                "expected an inline table such as { fg = \"cyan\", attrs = [\"bold\"] }")
            return nil
        }
        var style = ThemeStyle()
        var ok = true
        for (name, value) in members {
            switch name {
            case "fg", "bg":
                switch parseColor(value) {
                case .success(let color):
                    if name == "fg" { style.foreground = color } else { style.background = color }
                case .failure(let message):
                    report(.error, entry.line, "\(path).\(name)", message)
                    ok = false
                }
            case "attrs":
                guard case .array(let items) = value else {
                    report(
                        .error, entry.line, "\(path).attrs",
                        "expected an array such as [\"bold\", \"underline\"]")
                    ok = false
                    continue
                }
                for item in items {
                    guard case .string(let word) = item, let attribute = attributeNames[word] else {
                        report(
                            .error, entry.line, "\(path).attrs",
                            "unknown attribute \(describe(item)); use bold, dim, underline or reverse")
                        ok = false
                        continue
                    }
                    style.attributes.insert(attribute)
                }
            default:
                report(.warning, entry.line, "\(path).\(name)", "unknown key, ignored (use fg, bg, attrs)")
            }
        }
        return ok ? style : nil
    }

    enum ColorResult {
        case success(Color)
        case failure(String)
    }

    static func parseColor(_ value: TOMLSubset.Value) -> ColorResult {
        switch value {
        case .integer(let index):
            return (0...255).contains(index)
                ? .success(.index(index)) : .failure("colour index \(index) is outside 0–255")
        case .string(let text):
            let lowered = text.lowercased()
            if lowered == "default" { return .success(.terminalDefault) }
            if let index = colorNames[lowered] { return .success(.index(index)) }
            if lowered.hasPrefix("#"), lowered.count == 7, let rgb = UInt32(lowered.dropFirst(), radix: 16) {
                return .success(.rgb(UInt8(rgb >> 16), UInt8(rgb >> 8 & 0xFF), UInt8(rgb & 0xFF)))
            }
            return .failure(
                "bad colour \"\(text)\": use an ANSI name (red, bright_blue, …), 0–255, #rrggbb or \"default\""
            )
        default:
            return .failure("bad colour \(describe(value)): use an ANSI name, 0–255, #rrggbb or \"default\"")
        }
    }

    static func describe(_ value: TOMLSubset.Value) -> String {
        switch value {
        case .string(let text): return "\"\(text)\""
        case .integer(let number): return String(number)
        case .float(let number): return String(number)
        case .bool(let flag): return String(flag)
        case .array: return "an array"
        case .table: return "a table"
        }
    }

    /// The TOML text of a theme, as `Themes/default.toml` is written.
    public static func render(_ theme: Theme) -> String {
        var lines = ["name = \"\(theme.name)\"", "", "[roles]"]
        for role in Role.allCases {
            guard let style = theme.styles[role] else { continue }
            var parts: [String] = []
            if style.foreground != .terminalDefault { parts.append("fg = \(render(style.foreground))") }
            if style.background != .terminalDefault { parts.append("bg = \(render(style.background))") }
            let attributes = attributeNames.filter { style.attributes.contains($0.value) }.map(\.key).sorted()
            if !attributes.isEmpty {
                parts.append("attrs = [" + attributes.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
            }
            lines.append("\(key(for: role)) = { " + parts.joined(separator: ", ") + " }")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func render(_ color: Color) -> String {
        switch color {
        case .terminalDefault: return "\"default\""
        case .index(let index): return String(index)
        case .rgb(let r, let g, let b):
            return "\"#" + [r, g, b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "\""
        }
    }
}
