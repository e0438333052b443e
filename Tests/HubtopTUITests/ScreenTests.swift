import Foundation
import HubtopCore
import Testing

@testable import HubtopTUI

/// Whole-screen tests in the manner of ratatui's `TestBackend`: the full expected screen — its
/// text, and under it the style role of every cell — is kept in `Screens/NAME.txt`, and a
/// mismatch shows a readable diff of the lines that differ. `HUBTOP_RECORD_SCREENS=1 swift test
/// --filter ScreenTests` writes the files anew (look at them before committing).
enum ScreenExpectation {
    /// One letter per role, for the style map under the text.
    static let letters: [Role: Character] = {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var letters: [Role: Character] = [:]
        for (index, role) in Role.allCases.enumerated() { letters[role] = alphabet[index] }
        letters[.text] = "."
        return letters
    }()

    /// The screen as text lines, then a separator, then the role of each cell.
    static func describe(_ buffer: CellBuffer) -> String {
        var lines: [String] = []
        for y in 0..<buffer.height { lines.append(buffer.row(y)) }
        lines.append(String(repeating: "═", count: buffer.width))
        for y in 0..<buffer.height {
            var roles = ""
            for x in 0..<buffer.width where !buffer[x, y].isContinuation {
                roles.append(letters[buffer[x, y].style.role] ?? "?")
                // A wide character takes two columns: keep the columns lined up.
                if x + 1 < buffer.width, buffer[x + 1, y].isContinuation { roles.append(" ") }
            }
            lines.append(roles)
        }
        let legend = Role.allCases.map { "\(letters[$0]!)=\($0.rawValue)" }.joined(separator: " ")
        return lines.joined(separator: "\n") + "\n" + legend + "\n"
    }

    static func file(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Screens/\(name).txt"
        )
        .path
    }

    /// Compares with the recorded screen; the failure lists each differing line, expected then actual.
    static func check(_ buffer: CellBuffer, _ name: String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        let actual = describe(buffer)
        let path = file(name)
        if ProcessInfo.processInfo.environment["HUBTOP_RECORD_SCREENS"] == "1" {
            try? actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record(
                "no recorded screen \(path); record with HUBTOP_RECORD_SCREENS=1",
                sourceLocation: sourceLocation)
            return
        }
        guard expected != actual else { return }
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let got = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var diff: [String] = []
        for index in 0..<max(want.count, got.count) {
            let a = index < want.count ? String(want[index]) : "(none)"
            let b = index < got.count ? String(got[index]) : "(none)"
            if a != b { diff.append("line \(index + 1)\n  expected: \(a)\n  actual:   \(b)") }
        }
        let shown = diff.prefix(12).joined(separator: "\n")
        Issue.record(
            Comment(rawValue: "screen \(name) differs in \(diff.count) lines:\n\(shown)"),
            sourceLocation: sourceLocation)
    }
}

@Suite struct ScreenTests {
    /// A store with a known history at a fixed time, so every frame is the same.
    func fixture(width: Int, height: Int) -> Fixture {
        var fixture = Fixture(width: width, height: height)
        fixture.post(
            "acme/api", tag: "v1", pusher: "alice", at: 999_000, dockerfile: "FROM alpine\nRUN true\n")
        fixture.post("acme/web", tag: "latest", pusher: "bob", at: 999_100)
        fixture.post("other/tool", tag: "v2", pusher: "carol", at: 999_200, dockerfile: "# hi\nFROM debian\n")
        fixture.post(
            "acme/api", tag: "v2", pusher: "bob", at: 999_300, dockerfile: "FROM alpine:3\nRUN apk add curl\n"
        )
        fixture.post("antoineaumjaud/api-synology-chatbot", tag: "latest", pusher: "antoine", at: 999_400)
        fixture.send(.tick(now: 1_000_000))
        fixture.model.refresh(&fixture.state)
        return fixture
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func mainViews(width: Int, height: Int) {
        let size = "\(width)x\(height)"
        var screen = fixture(width: width, height: height)
        ScreenExpectation.check(View.render(screen.state), "dashboard-\(size)")
        screen.send(.key(.character("4")), .key(.down), .key(.enter))
        ScreenExpectation.check(View.render(screen.state), "detail-\(size)")
        screen.send(.key(.character("d")))
        ScreenExpectation.check(View.render(screen.state), "dockerfile-\(size)")
        screen.send(.key(.escape), .key(.character("/")))
        screen.type("acme")
        ScreenExpectation.check(View.render(screen.state), "filter-\(size)")
        screen.send(.key(.enter), .key(.character("?")))
        ScreenExpectation.check(View.render(screen.state), "help-\(size)")
    }

    /// The views the main test does not reach: the raw request (with its re-send prompt), the
    /// Dockerfile diff, and the export prompt.
    @Test(arguments: [(80, 24), (120, 40)])
    func overlays(width: Int, height: Int) {
        let size = "\(width)x\(height)"
        var screen = Fixture(width: width, height: height, requestBudget: 1 << 20)
        screen.post(
            "acme/api", tag: "v1", pusher: "alice", at: 999_000, dockerfile: "FROM alpine\nRUN true\n")
        screen.post(
            "acme/api", tag: "v2", pusher: "bob", at: 999_300, dockerfile: "FROM alpine:3\nRUN apk add curl\n"
        )
        var request = ReceivedRequest(
            deliveryID: "3b1c-7", receivedAt: 999_300, method: "POST", path: "/hook/<token>",
            version: "HTTP/1.1")
        request.addHeader("Host", "hubtop.example:9876")
        request.addHeader("User-Agent", "Go-http-client/2.0")
        request.addHeader("Content-Type", "application/json")
        request.setBody(
            Array(#"{"push_data":{"tag":"v2","pusher":"bob"},"repository":{"repo_name":"acme/api"}}"#.utf8))
        request.status = 200
        request.answer = #"{"ok":true,"id":2}"#
        request.duration = 0.0013
        screen.store.record(request, for: 2)
        screen.state.canResend = true
        screen.state.forwardTargets = ["127.0.0.1:5000"]
        screen.send(.tick(now: 1_000_000))
        screen.model.refresh(&screen.state)
        screen.send(.key(.character("4")), .key(.enter), .key(.character("i")))
        ScreenExpectation.check(View.render(screen.state), "inspector-\(size)")
        screen.send(.key(.character("r")))
        ScreenExpectation.check(View.render(screen.state), "resend-prompt-\(size)")
        screen.send(.key(.escape), .key(.escape), .key(.escape), .key(.character("d")), .key(.character("D")))
        ScreenExpectation.check(View.render(screen.state), "diff-\(size)")
        screen.send(.key(.escape), .key(.character("e")))
        ScreenExpectation.check(View.render(screen.state), "export-prompt-\(size)")
    }

    /// At 100×30 the events pane is too narrow for the longest name beside the pusher: the name
    /// is cut, the pusher column stays.
    @Test func aLongNameIsCutBeforeThePusherColumnGoes() {
        let screen = fixture(width: 100, height: 30)
        let buffer = View.render(screen.state)
        ScreenExpectation.check(buffer, "dashboard-100x30")
        let rows = (0..<buffer.height).map { buffer.row($0) }
        #expect(
            rows.contains {
                $0.contains("antoineaumjaud/api-synology-") && $0.contains("antoine") && $0.hasSuffix("│")
            })
        #expect(
            rows.contains { $0.contains("acme/api:v2") && $0.contains(" bob ") },
            "\(rows.joined(separator: "\n"))")
    }
}

@Suite struct HelpOverlayTests {
    /// The help box's text column, row by row, read off the screen while scrolling it through.
    func helpText(width: Int, height: Int) -> [String] {
        var fixture = Fixture(width: width, height: height)
        fixture.send(.key(.character("?")))
        let count = HelpOverlay.rows(screenWidth: width).count
        let boxWidth = HelpOverlay.boxWidth(screenWidth: width)
        let boxHeight = min(height - 2, count + 4)
        let (left, top) = ((width - boxWidth) / 2, (height - boxHeight) / 2)
        let shown = HelpOverlay.shownLines(height: height, count: count)
        var rows = [String](repeating: "", count: count)
        for first in 0...HelpOverlay.lastTop(height: height, count: count) {
            fixture.state.helpView.top = first
            let buffer = View.render(fixture.state)
            for index in 0..<shown where first + index < count {
                let line = Array(buffer.row(top + 2 + index))
                let text = line[(left + 2 + HelpOverlay.keyColumns)..<(left + boxWidth - 1)]
                rows[first + index] = String(text).trimmingCharacters(in: .whitespaces)
            }
        }
        return rows
    }

    @Test(arguments: [(80, 24), (120, 40), (60, 16)])
    func everyHelpLineIsShownWhole(width: Int, height: Int) {
        let shown = helpText(width: width, height: height).joined(separator: " ")
        for (key, text) in HelpOverlay.keys {
            #expect(shown.contains(text), "\(key): '\(text)' is cut at \(width)x\(height)")
        }
    }
}
