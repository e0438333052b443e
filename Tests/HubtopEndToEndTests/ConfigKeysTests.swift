import Foundation
import Testing

/// The config file can set every `run` option and nothing else: the keys `hubtop config` prints
/// are the long options `hubtop run --help` lists.
@Suite struct ConfigKeysTests {
    @Test func theConfigFileKeysAreExactlyTheRunOptions() throws {
        let (environment, _, root) = try stateAndConfigFolders("keys")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let help = try runHubtop(["run", "--help"], environment: environment)
        #expect(help.status == 0)
        // An option's own line starts with its flags (`  --listen <listen>   …`, `  -h, --help`).
        var options = Set<String>()
        for line in help.out.split(separator: "\n") {
            let text = line.drop { $0 == " " }
            guard text.hasPrefix("-") else { continue }
            for word in text.split(separator: " ").prefix(3) where word.hasPrefix("--") {
                options.insert(String(word.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" }))
            }
        }
        options.subtract(["help", "version"])
        #expect(options.count > 40, "the help was read: \(options.sorted())")
        let shown = try runHubtop(["config"], environment: environment)
        #expect(shown.status == 0, "\(shown.err)")
        let keys = Set(
            shown.out.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
                line.split(separator: " ").first.map(String.init)
            })
        #expect(
            keys.subtracting(options).isEmpty, "config keys that are no option: \(keys.subtracting(options))")
        #expect(
            options.subtracting(keys).isEmpty,
            "options the config file cannot set: \(options.subtracting(keys))")
    }
}
