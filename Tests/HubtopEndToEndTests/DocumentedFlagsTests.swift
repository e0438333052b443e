import Foundation
import Testing

/// Every flag the README and `docs/` name is one hubtop knows: a flag renamed or dropped in the
/// code cannot stay in the manual.
@Suite struct DocumentedFlagsTests {
    /// Flags of other tools the manual quotes (SwiftPM's plugin runner, docker, `az acr webhook`).
    static let othersFlags: Set<String> = [
        "allow-writing-to-package-directory", "package-path", "no-trunc", "name", "uri", "headers", "actions",
        // systemctl's
        "now",
    ]

    static func documentedFlags() throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let docs = root.appendingPathComponent("docs")
        let pages =
            try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.map
        {
            docs.appendingPathComponent($0)
        } + [root.appendingPathComponent("README.md")]
        var flags = Set<String>()
        let pattern = try NSRegularExpression(pattern: #"(?<![\w-])--([a-z][a-z0-9-]*)"#)
        for page in pages {
            let text = try String(contentsOf: page, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { flags.insert(String(text[range])) }
            }
        }
        return flags
    }

    @Test func everyDocumentedFlagIsOneHubtopKnows() throws {
        let documented = try Self.documentedFlags()
        #expect(documented.count > 50, "the manual was read: \(documented.count) flags")
        var known = Set(["help", "version", "generate-completion-script"])
        for command in ["run", "send", "replay", "export", "attach", "stream", "themes", "token", "config"] {
            let help = try runHubtop([command, "--help"])
            #expect(help.status == 0, "\(command): \(help.err)")
            for word in help.out.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," })
            where word.hasPrefix("--") {
                known.insert(String(word.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" }))
            }
        }
        let unknown = documented.subtracting(known).subtracting(Self.othersFlags)
        #expect(unknown.isEmpty, "flags the manual names that hubtop does not know: \(unknown.sorted())")
    }
}
