import Foundation
import HubtopCore
import Testing

@testable import HubtopTUI

/// The raw request inspector and `y` / `Y` / `r`, driven through `update` and rendered into a
/// buffer: what reaches the screen, and what the run loop is asked to do.
@Suite struct InspectorDashboardTests {
    static let hostileBody =
        #"{"push_data":{"tag":"v1\u001b]52;c;ZXZpbA==\u0007","pusher":"mal\u202Eory"},"#
        + #""repository":{"repo_name":"acme/api","star_count":3,"is_private":false,"dockerfile":null}}"#

    func request(_ id: String, body: String = hostileBody, header: String = "Docker-Hookshot")
        -> ReceivedRequest
    {
        var request = ReceivedRequest(
            deliveryID: id, receivedAt: 1_000_000, method: "POST", path: "/hook/<token>", version: "HTTP/1.1")
        request.addHeader("Host", "127.0.0.1:9876")
        request.addHeader("User-Agent", header)
        request.addHeader("Content-Type", "application/json")
        request.setBody(Array(body.utf8))
        request.status = 200
        request.answer = #"{"ok":true,"id":1}"#
        request.duration = 0.0013
        return request
    }

    /// One event with two kept deliveries, its detail open.
    func opened() -> Fixture {
        var fixture = Fixture(requestBudget: 1 << 20)
        fixture.post("acme/api", tag: "v1", at: 999_000)
        fixture.store.record(request("p-1", header: "first\u{1B}[2J"), for: 1)
        fixture.store.record(request("p-2"), for: 1)
        fixture.state.canResend = true
        fixture.state.forwardTargets = ["127.0.0.1:5000"]
        fixture.model.refresh(&fixture.state)
        fixture.send(.key(.character("4")), .key(.enter))
        return fixture
    }

    @Test func iShowsTheNewestDeliveryAsReceivedAndBracketsMoveBetweenThem() {
        var fixture = opened()
        fixture.send(.key(.character("i")))
        #expect(fixture.state.inspector?.eventID == 1)
        let screen = fixture.screen
        for text in [
            "Raw request — acme/api:v1 #1 · delivery 2/2", "delivery 2 of 2 · p-2",
            "POST /hook/<token> HTTP/1.1",
            "User-Agent: Docker-Hookshot", "Content-Type: application/json", #""push_data": {"#,
            #""star_count": 3,"#, #""is_private": false,"#, #""dockerfile": null"#, "answered 200 in 1.3 ms",
            #"{"ok":true,"id":1}"#, "[ ] delivery · y body · Y curl · r re-send",
        ] {
            #expect(screen.contains(text), "missing \(text)\n\(screen)")
        }
        // What a terminal would act on is shown escaped, never raw.
        #expect(screen.contains(#""v1\u001b]52;c;ZXZpbA==\u0007""#), "\(screen)")
        #expect(screen.contains(#"mal\u202eory"#) || screen.contains(#"mal\u202Eory"#), "\(screen)")
        #expect(
            !screen.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E || $0.value == 0x07 })

        fixture.send(.key(.character("[")))
        let older = fixture.screen
        #expect(older.contains("delivery 1 of 2 · p-1"))
        #expect(older.contains("User-Agent: first"), "the ESC in a header is made visible")
        #expect(!older.unicodeScalars.contains { $0.value == 0x1B })
        fixture.send(.key(.character("[")))
        #expect(fixture.state.inspector?.delivery == 0)
        fixture.send(.key(.character("]")))
        #expect(fixture.screen.contains("delivery 2 of 2"))
        fixture.send(.key(.escape))
        #expect(fixture.state.detail?.eventID == 1 && fixture.state.inspector == nil)
    }

    @Test func yAndYCopyTheBodyAndACurlCommandOfTheShownDelivery() throws {
        var fixture = opened()
        fixture.send(.key(.character("i")), .key(.character("[")), .key(.character("y")))
        guard case .copy(let body, let what)? = fixture.state.effects.last else {
            Issue.record("no copy effect: \(fixture.state.effects)")
            return
        }
        #expect(what == "body")
        #expect(body == Array(Self.hostileBody.utf8))
        fixture.state.effects.removeAll()
        fixture.send(.key(.character("Y")))
        guard case .copy(let command, let curl)? = fixture.state.effects.last else {
            Issue.record("no copy effect")
            return
        }
        #expect(curl == "curl command")
        let text = String(decoding: command, as: UTF8.self)
        #expect(text.hasPrefix("curl -sS -X POST -H 'Content-Type: application/json'"), "\(text)")
        #expect(text.contains("X-Hubtop-Delivery: p-1"))
        #expect(
            text.hasSuffix(#""http://127.0.0.1:9876/hook/${HUBTOP_TOKEN}""#), "the token is a placeholder")
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B }, "escapes are spelled out in the command")
        // From the detail, the newest delivery.
        fixture.send(.key(.escape))
        fixture.state.effects.removeAll()
        fixture.send(.key(.character("y")))
        #expect(fixture.state.effects.count == 1)
        // What the loop reports comes back in the footer.
        fixture.send(.notice("copied the body (1 KiB) via OSC 52"))
        #expect(fixture.screen.contains("copied the body (1 KiB) via OSC 52"))
    }

    @Test func yCopiesRawControlsAsEscapesWithTheSameJSONMeaning() throws {
        // Raw ESC, BEL, C1 and a bidi override inside strings, as a hostile sender posts them.
        let raw =
            "{\"push_data\":{\"tag\":\"v1\u{1B}]52;c;ZXZpbA==\u{07}\",\"pusher\":\"mal\u{202E}ory\u{85}\"},\n"
            + " \"repository\":{\"repo_name\":\"acme/api\",\"name\":\"a\\\"b\"}}"
        var fixture = Fixture(requestBudget: 1 << 20)
        fixture.post("acme/api", tag: "v1", at: 999_000)
        fixture.store.record(request("p-1", body: raw), for: 1)
        fixture.model.refresh(&fixture.state)
        fixture.send(.key(.character("4")), .key(.enter), .key(.character("y")))
        guard case .copy(let body, _)? = fixture.state.effects.last else {
            Issue.record("no copy effect: \(fixture.state.effects)")
            return
        }
        let text = String(decoding: body, as: UTF8.self)
        #expect(
            !text.unicodeScalars.contains { [0x1B, 0x07, 0x85, 0x202E].contains($0.value) },
            "nothing a terminal acts on: \(text)")
        #expect(text.contains(#"v1\u001b]52;c;ZXZpbA==\u0007"#), "\(text)")
        #expect(try JSONValue.parse(text) == JSONValue.parse(raw), "the same JSON value")
    }

    @Test func rAsksWhereAndEnterSendsToTheForwardTargetsOrTheTypedURL() {
        var fixture = opened()
        fixture.send(.key(.character("i")), .key(.character("r")))
        #expect(fixture.screen.contains("re-send p-2 to:"))
        #expect(fixture.screen.contains("Enter: the --forward target (127.0.0.1:5000) or type a URL"))
        // The request being re-sent stays on screen behind the question, its data still read.
        fixture.model.refresh(&fixture.state)
        #expect(fixture.screen.contains("Raw request — acme/api:v1"), "\(fixture.screen)")
        #expect(fixture.screen.contains("Docker-Hookshot"))
        fixture.send(.key(.enter))
        guard case .resend(let id, let request, let url)? = fixture.state.effects.last else {
            Issue.record("no re-send effect")
            return
        }
        #expect(id == 1 && request.deliveryID == "p-2" && url == nil)
        fixture.state.effects.removeAll()
        fixture.send(.key(.character("r")))
        fixture.type("http://127.0.0.1:7000/x")
        fixture.send(.key(.enter))
        guard case .resend(_, _, let typed)? = fixture.state.effects.last else {
            Issue.record("no re-send effect")
            return
        }
        #expect(typed == "http://127.0.0.1:7000/x")
        fixture.state.effects.removeAll()
        fixture.send(.key(.character("r")), .key(.escape))
        #expect(fixture.state.effects.isEmpty && fixture.screen.contains("re-send cancelled"))
        // Without a listener there is nothing to re-send with.
        fixture.state.canResend = false
        fixture.send(.key(.character("r")))
        #expect(
            fixture.state.prompt == nil && fixture.screen.contains("re-send needs this hubtop's listener"))
    }

    @Test func anEventWithoutAKeptRequestSaysWhy() {
        var fixture = Fixture(requestBudget: 1 << 20)
        fixture.post("acme/api", at: 999_000)
        fixture.model.refresh(&fixture.state)
        fixture.send(.key(.character("4")), .key(.character("i")))
        #expect(fixture.screen.contains("this event arrived in no request hubtop kept"))
        fixture.send(.key(.character("y")))
        #expect(fixture.state.effects.isEmpty)
        var none = Fixture()
        none.post("acme/api", at: 999_000)
        none.model.refresh(&none.state)
        none.send(.key(.character("4")), .key(.enter), .key(.enter))
        #expect(none.state.inspector != nil)
        #expect(none.screen.contains("no raw requests are kept (--keep-requests 0)"))
    }

    @Test func everyInspectorLineFitsNarrowTerminals() {
        for (width, height) in [(60, 16), (80, 24), (120, 40)] {
            var fixture = Fixture(width: width, height: height, requestBudget: 1 << 20)
            fixture.post("acme/api", tag: "v1", at: 999_000)
            let long =
                #"{"repository":{"repo_name":"acme/api","full_description":""#
                + String(repeating: "wide 漢字 text ", count: 40) + #""}}"#
            fixture.store.record(request("p-1", body: long), for: 1)
            fixture.model.refresh(&fixture.state)
            fixture.send(.key(.character("4")), .key(.character("i")), .key(.pageDown))
            let buffer = View.render(fixture.state)
            for line in buffer.text.split(separator: "\n", omittingEmptySubsequences: false) {
                #expect(DisplayWidth.of(String(line)) <= width, "\(width)×\(height): \(line)")
            }
        }
    }

    @Test func theClipboardSequenceIsOSC52WithBase64AndRefusedWhereItCannotWork() throws {
        let sequence = try Clipboard.sequence(for: Array("hi\u{1B}".utf8), term: "xterm-256color").get()
        #expect(String(decoding: sequence, as: UTF8.self) == "\u{1B}]52;c;aGkb\u{07}")
        #expect(throws: Clipboard.Refusal.self) { try Clipboard.sequence(for: [1], term: "linux").get() }
        #expect(throws: Clipboard.Refusal.self) {
            try Clipboard.sequence(for: [UInt8](repeating: 1, count: Clipboard.limit + 1), term: "xterm")
                .get()
        }
    }

    @Test func theClipboardFileIsPrivateAndNeverWrittenThroughASymlink() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clip-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let victim = directory.appendingPathComponent("victim").path
        let clipboard = directory.appendingPathComponent("clipboard.txt").path
        try "keep me".write(toFile: victim, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: clipboard, withDestinationPath: victim)
        #expect(Clipboard.write(Array("copied".utf8), to: clipboard))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me")
        #expect(try String(contentsOfFile: clipboard, encoding: .utf8) == "copied")
        let mode = try FileManager.default.attributesOfItem(atPath: clipboard)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
