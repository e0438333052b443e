import Foundation
import HubtopTestSupport

/// A tmux server of its own (a private socket) running one command in one pane.
final class TmuxSession {
    let socket: String
    let name = "hubtop"
    let directory: URL

    /// Starts `arguments` (hubtop's) in a new detached session of the given size.
    init(hubtop arguments: [String], width: Int = 120, height: Int = 40, environment: [String: String] = [:])
        throws
    {
        socket = "hubtop-test-\(UUID().uuidString.prefix(8))"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(socket)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var env = ["TERM": "screen-256color", "LANG": "C.UTF-8"]
        env.merge(TestEnvironment.isolated) { $1 }
        env.merge(environment) { $1 }
        let assignments = env.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }.joined(
            separator: " ")
        let command = ([Binary.hubtop] + arguments).map(Self.quote).joined(separator: " ")
        // The exit status is written where the test can read it; the pane stays for inspection.
        let script =
            "env -u NO_COLOR -u HUBTOP_THEME \(assignments) \(command) 2>\(Self.quote(stderrPath)); echo $? > \(Self.quote(exitPath)); sleep 30"
        // The server this starts must not inherit a pipe we would wait on.
        try tmux(
            capture: false,
            ["-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", script])
        try tmux(["set-option", "-t", name, "status", "off"])
    }

    var stderrPath: String { directory.appendingPathComponent("stderr").path }
    var exitPath: String { directory.appendingPathComponent("exit").path }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    @discardableResult
    func tmux(capture: Bool = true, _ arguments: [String]) throws -> String {
        try spawn(["tmux", "-L", socket] + arguments, capture: capture)
    }

    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }

    /// The screen with colour and attribute escapes.
    func screenWithEscapes() throws -> String { try tmux(["capture-pane", "-p", "-e", "-t", name]) }

    func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

    /// Types text literally (no key-name lookup).
    func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }

    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// A tmux format variable of the pane (`alternate_on`, `cursor_flag`, `mouse_any_flag`, …).
    func format(_ variable: String) -> String {
        (try? tmux(["display-message", "-p", "-t", name, "#{\(variable)}"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    var paneTitle: String {
        (try? tmux(["display-message", "-p", "-t", name, "#{pane_title}"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// The webhook URL hubtop printed to stderr before taking over the screen.
    func webhookURL() async throws -> String {
        var url: String?
        try await eventually("the webhook URL", within: 60) {
            let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            url =
                text.split(separator: "\n").compactMap { line -> String? in
                    line.range(of: "http://").map { String(line[$0.lowerBound...]) }
                }.first
            return url != nil
        }
        return url!
    }

    func waitForScreen(_ what: String, within seconds: Double = 20, _ condition: (String) -> Bool)
        async throws
    {
        var last = ""
        do {
            try await eventually(what, within: seconds) {
                last = try screen()
                return condition(last)
            }
        } catch {
            throw Timeout(description: "\(error)\n--- screen ---\n\(last)")
        }
    }

    func waitForText(_ text: String, within seconds: Double = 20) async throws {
        try await waitForScreen("'\(text)' on screen", within: seconds) { $0.contains(text) }
    }

    func exitStatus(within seconds: Double = 20) async throws -> Int32? {
        var status: Int32?
        try await eventually("hubtop to exit", within: seconds) {
            let text = (try? String(contentsOfFile: exitPath, encoding: .utf8)) ?? ""
            status = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            return status != nil
        }
        return status
    }

    deinit {
        // kill-server alone leaves a pane whose program is still running (tmux 3.3 waits for
        // it): its process group is hung up first, as closing a terminal would.
        if let pane = try? tmux(["list-panes", "-t", name, "-F", "#{pane_pid}"]),
            let pid = Int32(pane.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(-pid, SIGHUP)
        }
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs a command and waits for it (see `Spawned.run`): its standard output, stderr discarded.
@discardableResult
func spawn(_ arguments: [String], capture: Bool = true) throws -> String {
    try Spawned.run(arguments, capture: capture ? .output : .nothing).output
}
