import Foundation
import HubtopCore
import Testing

@testable import HubtopTUI

/// The repository's Themes folder, found from this file's location.
let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Themes").path

@Suite struct ThemeTests {
    @Test func tomlSubsetReadsWhatThemesUse() throws {
        let entries = try TOMLSubset.parse(
            """
            # comment
            name = "x" # trailing comment
            count = 1_000

            [roles]
            header = { fg = "#ffffff", bg = 24, attrs = ["bold", 'dim'] }
            "quoted key" = true
            """)
        #expect(entries.map(\.key) == ["name", "count", "header", "quoted key"])
        #expect(entries[0].value == .string("x"))
        #expect(entries[1].value == .integer(1000))
        #expect(entries[2].table == "roles" && entries[2].line == 6)
        #expect(
            entries[2].value
                == .table([
                    ("fg", .string("#ffffff")), ("bg", .integer(24)),
                    ("attrs", .array([.string("bold"), .string("dim")])),
                ]))
        #expect(entries[3].value == .bool(true))
    }

    @Test(arguments: [
        ("a = ", 1, "expected a value"), ("a = \"open", 1, "unterminated string"),
        ("\n\nb = blue", 3, "strings need quotes"),
        ("[t\nx = 1", 1, "expected ']'"), ("a = 1\na = 2", 2, "duplicate key 'a'"),
        ("a.b = 1", 1, "dotted keys"),
        ("a = { fg = 1 fg = 2 }", 1, "expected ',' or '}'"), ("a = 1 2", 1, "unexpected '2'"),
        // Deep nesting crashed the process (a stack overflow) instead of being an error.
        ("x = 1\na = " + String(repeating: "[", count: 200_000), 2, "nested more than 32 deep"),
        ("a = " + String(repeating: "{ b = ", count: 100_000), 1, "nested more than 32 deep"),
    ])
    func tomlErrorsNameTheLine(_ text: String, _ line: Int, _ message: String) {
        do {
            _ = try TOMLSubset.parse(text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.line == line)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func missingRolesFallBackToTheDefaultKeyByKey() {
        let (theme, diagnostics) = ThemeFile.parse(
            "name = \"partial\"\n[roles]\nheader = { fg = \"red\", bg = \"#000000\" }\n", file: "p.toml",
            defaultName: "p")
        #expect(diagnostics.isEmpty)
        let partial = try! #require(theme)
        #expect(partial.name == "partial")
        #expect(partial.style(for: .header) == ThemeStyle(.index(1), .rgb(0, 0, 0)))
        #expect(partial.style(for: .tag) == Theme.builtInDefault.style(for: .tag))
        #expect(partial.style(for: .selection) == Theme.builtInDefault.style(for: .selection))
    }

    @Test func badValuesAreErrorsWithFileLineAndKeyAndUnknownKeysAreWarnings() {
        let text = """
            name = "bad"
            [roles]
            header = { fg = "purple" }
            tag = { fg = 256, attrs = ["blink"] }
            sparkles = { fg = 1 }
            pusher = { fg = "cyan", shade = 3 }
            """
        let (theme, diagnostics) = ThemeFile.parse(text, file: "bad.toml", defaultName: "bad")
        #expect(theme == nil)
        let lines = diagnostics.map(\.description)
        #expect(lines.contains { $0.hasPrefix("bad.toml:3: error: roles.header.fg: bad colour \"purple\"") })
        #expect(
            lines.contains {
                $0.hasPrefix("bad.toml:4: error: roles.tag.fg: colour index 256 is outside 0–255")
            })
        #expect(
            lines.contains { $0.hasPrefix("bad.toml:4: error: roles.tag.attrs: unknown attribute \"blink\"") }
        )
        #expect(lines.contains("bad.toml:5: warning: roles.sparkles: unknown role, ignored"))
        #expect(lines.contains { $0.hasPrefix("bad.toml:6: warning: roles.pusher.shade: unknown key") })
        let (onlyWarnings, warnings) = ThemeFile.parse(
            "[roles]\nsparkles = { }\n", file: "w.toml", defaultName: "w")
        #expect(onlyWarnings != nil, "unknown keys do not make a theme unusable")
        #expect(warnings.count == 1)
    }

    @Test func shippedThemesAreValidAndDistinct() throws {
        let sources = ThemeCatalog.available(in: [themesDirectory])
        let names = Set(sources.map(\.name))
        for required in ["default", "light", "solarized-dark", "high-contrast", "monochrome"] {
            #expect(names.contains(required), "missing \(required)")
        }
        #expect(sources.count >= 6)
        var looks: Set<String> = []
        for source in sources {
            let (theme, diagnostics) = ThemeCatalog.load(source)
            #expect(diagnostics.isEmpty, "\(source.name): \(diagnostics)")
            let loaded = try #require(theme)
            looks.insert(Role.allCases.map { "\(loaded.style(for: $0))" }.joined())
        }
        #expect(looks.count == sources.count, "every theme looks different")
        let monochrome = try #require(
            ThemeCatalog.load(ThemeCatalog.resolve("monochrome", in: [themesDirectory])!).theme)
        for role in Role.allCases {
            #expect(monochrome.style(for: role).foreground == .terminalDefault)
            #expect(monochrome.style(for: role).background == .terminalDefault)
        }
    }

    @Test func theDefaultThemeFileIsTheBuiltInOne() throws {
        let source = try #require(ThemeCatalog.resolve("default", in: [themesDirectory]))
        let theme = try #require(ThemeCatalog.load(source).theme)
        for role in Role.allCases {
            #expect(theme.style(for: role) == Theme.builtInDefault.style(for: role), "\(role)")
        }
        #expect(theme.styles.count == Role.allCases.count)
        let rendered = ThemeFile.render(Theme.builtInDefault)
        #expect(
            ThemeFile.parse(rendered, file: "r", defaultName: "r").theme?.styles
                == Theme.builtInDefault.styles)
    }

    @Test func selectionFallsBackToTheDefaultWithAReason() throws {
        let missing = ThemeSelection.choose("no-such-theme", directories: [themesDirectory])
        #expect(missing.themes.first?.name == "default")
        #expect(missing.problem?.contains("no theme 'no-such-theme'") == true)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hubtop-theme-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("broken.toml").path
        try "[roles]\nheader = { fg = \"nope\" }\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let broken = ThemeSelection.choose(bad, directories: [themesDirectory])
        #expect(broken.themes.first?.name == "default")
        #expect(broken.problem?.contains("has errors") == true)
        #expect(
            broken.diagnostics.first?.description.contains("broken.toml:2: error: roles.header.fg") == true)
        let chosen = ThemeSelection.choose("nord", directories: [themesDirectory])
        #expect(chosen.themes.first?.name == "nord")
        #expect(chosen.problem == nil)
        #expect(chosen.themes.count >= 6, "the rest are there to cycle through")
    }

    @Test func userThemesComeBeforeShippedOnesOfTheSameName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-user-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "name = \"mine\"\n".write(
            toFile: directory.appendingPathComponent("light.toml").path, atomically: true, encoding: .utf8)
        let source = try #require(ThemeCatalog.resolve("light", in: [directory.path, themesDirectory]))
        #expect(source.path.hasPrefix(directory.path))
    }

    @Test func capitalTCyclesThemes() {
        var fixture = Fixture()
        fixture.state.themeNames = ["default", "light", "nord"]
        fixture.send(.key(.character("T")))
        #expect(fixture.state.themeIndex == 1)
        #expect(fixture.screen.contains("theme: light"))
        fixture.send(.key(.character("T")), .key(.character("T")))
        #expect(fixture.state.themeIndex == 0)
        fixture.send(.key(.character("j")))
        #expect(fixture.state.flash == nil)
    }

    @Test func monochromeEmphasisCoversTheRolesThatMatter() {
        #expect(Theme.monochromeAttributes(for: .selection).contains(.reverse))
        #expect(Theme.monochromeAttributes(for: .borderFocused).contains(.bold))
        #expect(Theme.monochromeAttributes(for: .searchMatch).contains(.reverse))
        #expect(Theme.monochromeAttributes(for: .text).isEmpty)
    }
}
