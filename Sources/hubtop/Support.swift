import ArgumentParser
import Dispatch
import HubtopCore
import HubtopIO
import HubtopServer
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

enum Environment {
    /// A secret from the environment: nil when unset or empty.
    static func secret(_ name: String) -> Secret? {
        value(name).flatMap { $0.isEmpty ? nil : Secret($0) }
    }

    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// `$HUBTOP_DATABASE_URL` when set and not empty (team mode, for `run` and `export`).
    static var databaseURL: String? { value("HUBTOP_DATABASE_URL").flatMap { $0.isEmpty ? nil : $0 } }

    /// NO_COLOR set to anything but the empty string (no-color.org).
    static var noColorRequested: Bool { !(value("NO_COLOR") ?? "").isEmpty }
}

/// Unbuffered, line-at-a-time output that many threads may share.
/// A fatal error for the user: says `message` on stderr as it is and gives the exit status 1 to
/// throw. (ArgumentParser's `CleanExit.message` would exit 0, hiding the failure from scripts.)
func fail(_ message: String) -> ExitCode {
    Console.error(message)
    return ExitCode(1)
}

enum Console {
    private static let lock = Mutex(())

    static func out(_ line: String) { write(line, to: STDOUT_FILENO) }

    static func error(_ line: String) { write(line, to: STDERR_FILENO) }

    private static func write(_ line: String, to descriptor: Int32) {
        let bytes = Array((line + "\n").utf8)
        lock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes {
                    Glibc.write(descriptor, $0.baseAddress, $0.count)
                }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// Reads a whole file (or standard input for "-").
    static func readAll(_ path: String) throws -> [UInt8] {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ConsoleError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                throw ConsoleError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}

struct ConsoleError: Error, CustomStringConvertible {
    var description: String
}

/// Prints each stored or folded event in headless mode, through a queue that never blocks the
/// writer (a listener event loop).
struct HeadlessPrinter: Sendable {
    let store: EventStore
    let json: Bool
    let output: LineQueue

    func print(_ change: StoreChange) {
        let id: UInt64
        switch change {
        case .appended(let appended): id = appended
        case .folded(let folded, _): id = folded
        case .annotated: return
        }
        guard let event = store.event(id: id) else { return }
        output.push(json ? EventFormatter.json(event) : EventFormatter.line(event))
    }
}

let demoOrigin = DeliveryInfo(origin: .demo)
let journalOrigin = DeliveryInfo(origin: .journal)

/// Replays a journal into the store at start, with progress for large files.
enum JournalRestore {
    /// What the replay found (its `validEnd` spares the journal a second read); nil without a file.
    @discardableResult
    static func replay(_ path: String, into ingestor: Ingestor) throws -> JournalReport? {
        guard access(path, F_OK) == 0 || access(path + ".1", F_OK) == 0 else { return nil }
        var lastPercent = -1
        let progress: (Int, Int) -> Void = { done, total in
            guard total > 32 << 20 else { return }
            let percent = done * 100 / max(1, total)
            if percent != lastPercent {
                lastPercent = percent
                Logger.hubtop.info("replaying journal \(path): \(percent)%")
            }
        }
        let report: JournalReader.Report
        do {
            report = try JournalReplay.replay(
                path, into: ingestor, delivery: journalOrigin, progress: progress)
        } catch {
            throw fail("hubtop: \(error)")
        }
        Logger.hubtop.info(
            "journal \(path): \(report.lines) lines replayed, \(ingestor.store.totals.events) events\(report.skipped)"
        )
        return report
    }
}
