import HubtopCore
import Logging

/// How a run reports what it does (a receiver under systemd reads its stderr): swift-log with
/// one line per message, `hubtop: message key=value …`, the form the tool's messages had before
/// (tests and journald filters read them). Values are made safe for a terminal: a path or a
/// registry user name may hold anything.
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "hubtop: "
        switch event.level {
        case .warning: line += "warning: "
        case .error, .critical: line += "error: "
        default: break
        }
        line += TerminalSanitizer.line(event.message.description)
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            line += " \(key)=" + TerminalSanitizer.line("\(merged[key]!)")
        }
        Console.error(line)
    }
}

extension Logger {
    /// The run's logger: `info` and above unless `$HUBTOP_LOG_LEVEL` says otherwise.
    static let hubtop: Logger = {
        var logger = Logger(label: "hubtop") { _ in StderrLogHandler() }
        if let name = Environment.value("HUBTOP_LOG_LEVEL"), let level = Logger.Level(rawValue: name) {
            logger.logLevel = level
        }
        return logger
    }()
}
