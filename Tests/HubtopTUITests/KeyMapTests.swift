import Foundation
import Testing

@testable import HubtopTUI

/// The key map is the one description of the keys: the help overlay lists it, dispatch follows
/// it, and the documented key table says the same keys.
@Suite struct KeyMapTests {
    /// The keys in the first column of `docs/dashboard.md`'s key table (its backticked names).
    static func documentedKeys() throws -> Set<String> {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/dashboard.md").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let section = text.components(separatedBy: "## Keys").dropFirst().first ?? ""
        var keys = Set<String>()
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            for (index, piece) in cell.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            where index % 2 == 1 {
                keys.insert(String(piece))
            }
        }
        return keys
    }

    @Test func theDocumentedKeysAreTheKeyMapsKeys() throws {
        let documented = try Self.documentedKeys()
        let mapped = Set(KeyMap.bindings.flatMap { $0.keys.map(KeyMap.name) })
        #expect(documented.count > 30, "the table was read: \(documented.sorted())")
        #expect(
            documented.subtracting(mapped).isEmpty,
            "documented, not in the key map: \(documented.subtracting(mapped))")
        #expect(
            mapped.subtracting(documented).isEmpty,
            "in the key map, not documented: \(mapped.subtracting(documented))")
    }

    @Test func theHelpListsEveryBindingAndDispatchFollowsTheMap() {
        let listed = HelpOverlay.keys.map(\.0)
        for binding in KeyMap.bindings {
            #expect(listed.contains(binding.label), "\(binding.label) is not in the help")
            for key in binding.keys {
                #expect(KeyMap.bindings.filter { $0.keys.contains(key) }.first?.label != nil)
            }
        }
        #expect(KeyMap.paneAction(for: .character("4")) == .focus(.events))
        #expect(KeyMap.paneAction(for: .control("c")) == .quit)
        #expect(KeyMap.paneAction(for: .character("x")) == nil)
        // A key bound twice would do what the first binding says: each key is bound once on the panes.
        var seen: [String: String] = [:]
        for binding in KeyMap.bindings {
            for key in binding.keys where binding.action(key) != nil {
                #expect(seen[KeyMap.name(key)] == nil, "\(KeyMap.name(key)) bound twice")
                seen[KeyMap.name(key)] = binding.help
            }
        }
    }

    @Test func theFooterOnThePanesShowsTheKeyMapsHintsForTheFocusedPane() {
        var fixture = Fixture(width: 140, height: 30)
        fixture.post("acme/api", at: 1000)
        fixture.send(.tick(now: 1010), .key(.character("4")))
        let footer = fixture.screen.split(separator: "\n").last.map(String.init) ?? ""
        let hints = KeyMap.paneHints(fixture.state)
        #expect(hints.map(\.1).contains("raw request") && hints.map(\.1).contains("export"))
        for (key, word) in hints {
            #expect(footer.contains("\(key) \(word)"), "\(key) \(word) not in: \(footer)")
        }
        fixture.send(.key(.character("3")))
        #expect(
            !KeyMap.paneHints(fixture.state).contains { $0.1 == "Dockerfile" }, "no Dockerfile for a pusher")
        fixture.send(.key(.character("p")))
        #expect(KeyMap.paneHints(fixture.state).contains { $0 == ("p", "resume") })
    }

    /// The open views take their keys from the same table, so what the help says a key does in a
    /// view is what it does.
    @Test func theOpenViewsDispatchByTheTable() {
        #expect(KeyMap.viewAction(for: .enter, in: .detail) == .inspect)
        #expect(KeyMap.viewAction(for: .character("i"), in: .detail) == .inspect)
        #expect(KeyMap.viewAction(for: .character("i"), in: .inspector) == .close)
        #expect(KeyMap.viewAction(for: .escape, in: .detail) == .close)
        #expect(KeyMap.viewAction(for: .character("]"), in: .inspector) == .delivery(1))
        #expect(KeyMap.viewAction(for: .character("["), in: .detail) == nil, "the detail has one request")
        #expect(KeyMap.viewAction(for: .character("Y"), in: .inspector) == .copyCurl)
        #expect(KeyMap.viewAction(for: .pageDown, in: .dockerfile) == .scroll(.pages(1)))
        #expect(KeyMap.viewAction(for: .right, in: .dockerfile) == .sideways(1))
        #expect(KeyMap.viewAction(for: .character("h"), in: .dockerfile) == .sideways(-1))
        #expect(KeyMap.viewAction(for: .enter, in: .dockerfile) == .swallow)
        #expect(KeyMap.viewAction(for: .character("N"), in: .dockerfile) == .match(forward: false))
        #expect(KeyMap.viewAction(for: .character("q"), in: .dockerfile) == nil, "q is the dashboard's")
    }
}
