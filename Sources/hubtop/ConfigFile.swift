import ArgumentParser
import HubtopCore

#if canImport(Glibc)
    import Glibc
#endif

/// `$XDG_CONFIG_HOME/hubtop/config.toml`: any `hubtop run` option by its long name
/// (`listen = "0.0.0.0:9876"`, `forward = ["…"]`, `headless = true`). The command line beats the
/// environment (`HUBTOP_TOKEN`, …), which beats the file, which beats the defaults.
///
/// Read with the project's own TOML reader (the one theme files use): the file needs strings,
/// numbers, booleans and arrays, which it reads with line numbers for errors, and it spares the
/// build a dependency.
enum ConfigFile {
    enum Kind: Sendable {
        case string, integer, number, bool, strings
    }

    /// One `run` option a config file may set.
    struct Setting: Sendable {
        let key: String
        let kind: Kind
        /// The variable that overrides the file, if any.
        let environment: String?
        /// Whether it holds a secret: never printed, whatever sets it.
        let secret: Bool
        /// The effective value, for `hubtop config`.
        let value: @Sendable (RunCommand) -> String

        init(
            _ key: String, _ kind: Kind, environment: String? = nil, secret: Bool = false,
            _ value: @escaping @Sendable (RunCommand) -> String
        ) {
            self.key = key
            self.kind = kind
            self.environment = environment
            self.secret = secret
            self.value = value
        }
    }

    static let settings: [Setting] = [
        Setting("listen", .string) { $0.listener.listen },
        // Secrets are never printed.
        Setting("token", .string, environment: "HUBTOP_TOKEN", secret: true) {
            $0.listener.token != nil
                ? "(secret)" : $0.listener.tokenFile != nil ? "(from token-file)" : "(kept token)"
        },
        Setting("token-file", .string) { $0.listener.tokenFile ?? "(none)" },
        Setting("metrics-token", .string, environment: "HUBTOP_METRICS_TOKEN", secret: true) {
            $0.listener.metricsToken != nil
                ? "(secret)" : $0.listener.metricsTokenFile != nil ? "(from metrics-token-file)" : "(none)"
        },
        Setting("metrics-token-file", .string) { $0.listener.metricsTokenFile ?? "(none)" },
        Setting("github-secret", .string, environment: "HUBTOP_GITHUB_SECRET", secret: true) {
            $0.listener.githubSecret != nil
                ? "(secret)" : $0.listener.githubSecretFile != nil ? "(from github-secret-file)" : "(none)"
        },
        Setting("github-secret-file", .string) { $0.listener.githubSecretFile ?? "(none)" },
        Setting("viewer-token", .string, environment: "HUBTOP_VIEWER_TOKEN", secret: true) {
            $0.listener.viewerToken != nil
                ? "(secret)" : $0.listener.viewerTokenFile != nil ? "(from viewer-token-file)" : "(none)"
        },
        Setting("viewer-token-file", .string) { $0.listener.viewerTokenFile ?? "(none)" },
        Setting("max-viewers", .integer) { "\($0.listener.maxViewers)" },
        Setting("viewer-buffer", .string) { $0.listener.viewerBuffer },
        Setting("max-body", .integer) { "\($0.listener.maxBody)" },
        Setting("max-events", .integer) { "\($0.store.maxEvents)" },
        Setting("max-memory", .string) { $0.store.maxMemory },
        Setting("keep-requests", .string) { $0.store.keepRequests },
        Setting("copy-token", .bool) { "\($0.display.copyToken)" },
        Setting("idle-timeout", .integer) { "\($0.listener.idleTimeout)" },
        Setting("request-timeout", .integer) { "\($0.listener.requestTimeout)" },
        Setting("first-byte-timeout", .integer) { "\($0.listener.firstByteTimeout)" },
        Setting("max-connections", .integer) { "\($0.listener.maxConnections)" },
        Setting("max-connections-per-address", .integer) { "\($0.listener.maxConnectionsPerAddress)" },
        Setting("rate-limit", .number) { "\($0.listener.rateLimit)" },
        Setting("headless", .bool) { "\($0.display.headless)" },
        Setting("json", .bool) { "\($0.display.json)" },
        Setting("demo", .bool) { "\($0.display.demo)" },
        Setting("demo-rate", .number) { "\($0.display.demoRate)" },
        Setting("repo", .string) { $0.display.repo ?? "(none)" },
        Setting("theme", .string, environment: "HUBTOP_THEME") { $0.display.theme ?? "default" },
        Setting("no-color", .bool) { "\($0.display.noColor)" },
        Setting("journal", .string) { $0.store.journal ?? "(none)" },
        Setting("fsync", .string) { $0.store.fsync },
        Setting("journal-max-bytes", .integer) { "\($0.store.journalMaxBytes)" },
        Setting("group-window", .string) { $0.store.groupWindow },
        Setting("stale", .string) { $0.display.stale ?? "(off)" },
        Setting("mirror-lag", .string) { $0.display.mirrorLag ?? "(off)" },
        Setting("bell", .bool) { "\($0.display.bell)" },
        Setting("forward", .strings) {
            "[" + $0.forward.forwardURLs.map(quoted).joined(separator: ", ") + "]"
        },
        Setting("forward-queue", .integer) { "\($0.forward.forwardQueue)" },
        Setting("forward-queue-bytes", .string) { $0.forward.forwardQueueBytes },
        Setting("forward-attempts", .integer) { "\($0.forward.forwardAttempts)" },
        Setting("allow-repo", .strings) {
            "[" + $0.listener.allowedRepositories.map(quoted).joined(separator: ", ") + "]"
        },
        Setting("trust-proxy", .bool) { "\($0.listener.trustProxy)" },
        Setting("metrics-public", .bool) { "\($0.listener.metricsPublic)" },
        Setting("registry", .string) { $0.registry.registry },
        Setting("enrich", .string) { $0.registry.enrichment(demo: $0.display.demo).rawValue },
        Setting("registry-budget", .integer) { "\($0.registry.registryBudget)" },
        Setting("lookup-registry", .strings) {
            "[" + $0.registry.lookupRegistries.map(quoted).joined(separator: ", ") + "]"
        },
        Setting("database", .string, environment: "HUBTOP_DATABASE_URL", secret: true) {
            $0.database.database != nil
                ? "(secret)" : $0.database.databaseUrlFile != nil ? "(from database-url-file)" : "(none)"
        },
        Setting("database-url-file", .string) { $0.database.databaseUrlFile ?? "(none)" },
        Setting("retain", .string) { $0.database.retain ?? "(forever)" },
        Setting("commit-group", .integer) { "\($0.database.commitGroup)" },
        Setting("on-event", .strings) { "[" + $0.onEvent.onEvent.map(quoted).joined(separator: ", ") + "]" },
        Setting("on-event-filter", .string) { $0.onEvent.onEventFilter ?? "(all)" },
        Setting("on-event-timeout", .number) { "\($0.onEvent.onEventTimeout)" },
        Setting("notify", .strings) { "[" + $0.notify.notifyURLs.map(quoted).joined(separator: ", ") + "]" },
        Setting("notify-format", .string) { $0.notify.notifyFormat ?? "(from the host)" },
        Setting("notify-template", .string) { $0.notify.notifyTemplate ?? ChatMessage.defaultTemplate },
        Setting("notify-filter", .string) { $0.notify.notifyFilter ?? "(all)" },
        Setting("notify-rate", .number) { "\($0.notify.notifyRate)" },
    ]

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// What the file sets, as command-line arguments, with the line each came from.
    struct Applied {
        var arguments: [String] = []
        /// key → line in the file, for the keys that took effect.
        var lines: [String: Int] = [:]
        /// Said on stderr: the file holds a secret other users may read.
        var warning: String?
    }

    /// Reads `path` (a missing file sets nothing) and turns it into `run` arguments, leaving out
    /// keys the command line or the environment already set.
    static func read(
        _ path: String, commandLine: [String], environment: (String) -> String? = Environment.value
    ) throws(Failure) -> Applied {
        guard access(path, F_OK) == 0 else { return Applied() }
        let text: String
        do {
            text = String(decoding: try Console.readAll(path), as: UTF8.self)
        } catch {
            throw Failure(description: "\(error)")
        }
        let entries: [TOMLSubset.Entry]
        do {
            entries = try TOMLSubset.parse(text)
        } catch {
            throw Failure(description: "\(path):\(error.line): \(error.message)")
        }
        var applied = Applied()
        for entry in entries {
            let place = "\(path):\(entry.line): \(entry.table.isEmpty ? "" : entry.table + ".")\(entry.key)"
            guard entry.table.isEmpty else {
                throw Failure(description: "\(place): tables are not options; put every option at the top")
            }
            guard let setting = settings.first(where: { $0.key == entry.key }) else {
                throw Failure(description: "\(place): not a hubtop option (see `hubtop run --help`)")
            }
            let arguments = try self.arguments(for: setting, entry.value, place: place)
            let given = commandLine.contains { $0 == "--" + setting.key || $0.hasPrefix("--\(setting.key)=") }
            let fromEnvironment = setting.environment.flatMap(environment).map { !$0.isEmpty } ?? false
            if given || fromEnvironment { continue }
            applied.arguments += arguments
            applied.lines[setting.key] = entry.line
        }
        if entries.contains(where: { entry in settings.contains { $0.secret && $0.key == entry.key } }) {
            applied.warning = SecretFile.exposure(of: path)
        }
        return applied
    }

    static func arguments(for setting: Setting, _ value: TOMLSubset.Value, place: String) throws(Failure)
        -> [String]
    {
        let option = "--" + setting.key
        switch (setting.kind, value) {
        case (.string, .string(let text)): return [option, text]
        case (.integer, .integer(let number)): return [option, String(number)]
        case (.number, .integer(let number)): return [option, String(number)]
        case (.number, .float(let number)): return [option, String(number)]
        case (.number, .string(let text)) where Double(text) != nil: return [option, text]
        case (.bool, .bool(let flag)): return flag ? [option] : []
        case (.strings, .string(let text)): return [option, text]
        case (.strings, .array(let items)):
            var arguments: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw Failure(description: "\(place): wants an array of strings")
                }
                arguments += [option, text]
            }
            return arguments
        default:
            let wanted: String
            switch setting.kind {
            case .string: wanted = "a string"
            case .integer: wanted = "an integer"
            case .number: wanted = "a number"
            case .bool: wanted = "true or false"
            case .strings: wanted = "a string or an array of strings"
            }
            throw Failure(description: "\(place): wants \(wanted)")
        }
    }

    /// The subcommand the arguments run: config applies to `run` (the default) only.
    static func runsTheDashboard(_ arguments: [String]) -> Bool {
        let others: Set<String> = [
            "send", "themes", "replay", "export", "attach", "stream", "token", "config", "help",
        ]
        // Help, completions and the manual generator describe the whole tool, not `run`.
        let tooling = [
            "-h", "--help", "--version", "--generate-completion-script", "--experimental-dump-help",
        ]
        if arguments.contains(where: { tooling.contains($0) }) {
            return false
        }
        guard let first = arguments.first else { return true }
        return !others.contains(first)
    }

    /// `arguments` with the config file's settings put in for `run`.
    static func apply(to arguments: [String]) throws(Failure) -> [String] {
        guard runsTheDashboard(arguments) else { return arguments }
        let explicitRun = arguments.first == "run"
        let given = explicitRun ? Array(arguments.dropFirst()) : arguments
        let applied = try read(StatePaths.configFile, commandLine: given)
        if let warning = applied.warning { Console.error(warning) }
        return ["run"] + applied.arguments + given
    }

    static func quoted(_ text: String) -> String { "\"" + text + "\"" }
}

/// `hubtop config`: the effective `run` configuration and where each value came from.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration of `hubtop run` and where each value comes from."
    )

    @Argument(parsing: .allUnrecognized, help: "`run` options, as they would be given to hubtop.")
    var runArguments: [String] = []

    func run() throws {
        let path = StatePaths.configFile
        let applied: ConfigFile.Applied
        let command: RunCommand
        do {
            applied = try ConfigFile.read(path, commandLine: runArguments)
            command = try RunCommand.parse(applied.arguments + runArguments)
        } catch let failure as ConfigFile.Failure {
            throw fail("hubtop config: \(failure)")
        } catch {
            throw fail("hubtop config: \(RunCommand.message(for: error))")
        }
        if let warning = applied.warning { Console.error(warning) }
        print("# \(path)\(access(path, F_OK) == 0 ? "" : " (not there: defaults)")")
        for setting in ConfigFile.settings {
            let source: String
            var value = setting.value(command)
            if runArguments.contains(where: { $0 == "--" + setting.key || $0.hasPrefix("--\(setting.key)=") })
            {
                source = "command line"
            } else if let variable = setting.environment, let set = Environment.value(variable), !set.isEmpty
            {
                source = "$" + variable
                value = setting.secret ? "(secret)" : set
            } else if let line = applied.lines[setting.key] {
                source = "config.toml line \(line)"
            } else {
                source = "default"
            }
            print("\(setting.key) = \(value)  # \(source)")
        }
    }
}
