import Foundation
import Testing

/// Colour parameters in the screen's escape sequences (39/49, "default colour", do not count).
func colourCodes(in screen: String) -> Set<String> {
    var codes: Set<String> = []
    let scalars = Array(screen.unicodeScalars)
    var index = 0
    while index + 1 < scalars.count {
        guard scalars[index] == "\u{1B}", scalars[index + 1] == "[" else {
            index += 1
            continue
        }
        index += 2
        var body = ""
        while index < scalars.count, ("0"..."9").contains(scalars[index]) || scalars[index] == ";" {
            body.unicodeScalars.append(scalars[index])
            index += 1
        }
        let parameters = body.split(separator: ";").map(String.init)
        var position = 0
        while position < parameters.count {
            let parameter = parameters[position]
            if parameter == "38" || parameter == "48" {
                codes.insert(
                    parameters[position..<min(parameters.count, position + 3)].joined(separator: ";"))
                position += 3
                continue
            }
            if let value = Int(parameter),
                (30...37).contains(value) || (40...47).contains(value) || (90...97).contains(value)
                    || (100...107).contains(value)
            {
                codes.insert(parameter)
            }
            position += 1
        }
    }
    return codes
}

@Suite(.serialized) struct ThemeEndToEndTests {
    func screen(theme: String?, environment: [String: String] = [:], extra: [String] = []) async throws
        -> String
    {
        let tmux = try TmuxSession(
            hubtop: ["--demo", "--listen", "127.0.0.1:0"] + (theme.map { ["--theme", $0] } ?? []) + extra,
            environment: environment)
        try await tmux.waitForText("[4] Events")
        let screen = try tmux.screenWithEscapes()
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)
        return screen
    }

    @Test func twoShippedThemesLookDifferent() async throws {
        let defaultColours = colourCodes(in: try await screen(theme: "default"))
        let solarized = colourCodes(in: try await screen(theme: "solarized-dark"))
        #expect(!defaultColours.isEmpty)
        #expect(!solarized.isEmpty)
        #expect(defaultColours != solarized)
    }

    @Test func noColorMeansNoColourEscapesButStillEmphasis() async throws {
        let plain = try await screen(theme: nil, environment: ["NO_COLOR": "1"])
        #expect(colourCodes(in: plain).isEmpty, "found \(colourCodes(in: plain))")
        #expect(plain.contains("\u{1B}[7m") || plain.contains(";7m"), "reverse video marks the selection")
        let flag = try await screen(theme: "nord", extra: ["--no-color"])
        #expect(colourCodes(in: flag).isEmpty)
    }

    @Test func capitalTSwitchesThemeLiveAndABadThemeFallsBack() async throws {
        let tmux = try TmuxSession(hubtop: ["--demo", "--listen", "127.0.0.1:0", "--theme", "light"])
        try await tmux.waitForText("[4] Events")
        let before = colourCodes(in: try tmux.screenWithEscapes())
        try tmux.keys("T")
        try await tmux.waitForText("theme: ")
        try await tmux.waitForScreen("different colours") { _ in
            (try? colourCodes(in: tmux.screenWithEscapes())) != before
        }
        try tmux.keys("q")
        #expect(try await tmux.exitStatus() == 0)

        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-bad-\(UUID()).toml")
            .path
        try "[roles]\nheader = { fg = \"chartreuse\" }\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let fallback = try TmuxSession(hubtop: ["--demo", "--listen", "127.0.0.1:0", "--theme", bad])
        try await fallback.waitForText("using the default theme")
        try fallback.keys("q")
        #expect(try await fallback.exitStatus() == 0)
        let stderr = try String(contentsOfFile: fallback.stderrPath, encoding: .utf8)
        #expect(stderr.contains(":2: error: roles.header.fg: bad colour \"chartreuse\""))
    }

    @Test func themesCommandListsAndChecks() async throws {
        let list = try runHubtop(["themes", "--no-color"])
        #expect(list.status == 0)
        for name in ["default", "light", "solarized-dark", "high-contrast", "monochrome", "nord"] {
            #expect(list.out.contains(name), "missing \(name)")
        }
        #expect(!list.out.contains("\u{1B}["))
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-check-\(UUID()).toml")
            .path
        try "name = \"x\"\n[roles]\ntag = { fg = 999 }\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let check = try runHubtop(["themes", "--check", bad])
        #expect(check.status != 0)
        #expect(check.err.contains(":3: error: roles.tag.fg: colour index 999 is outside 0–255"))
    }
}
