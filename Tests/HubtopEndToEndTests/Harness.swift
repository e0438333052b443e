import Foundation
import HubtopTestSupport

/// Where `swift build` put the hubtop binary: next to the test bundle.
enum Binary {
    static var hubtop: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the bundle is a file in the build folder; elsewhere it may be a directory.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("hubtop").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("hubtop").path
    }
}

/// Every hubtop the tests start keeps its state and reads its configuration in a folder of this
/// test run's, never the developer's (`~/.local/state/hubtop`, `~/.config/hubtop`).
enum TestEnvironment {
    static let isolated: [String: String] = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-tests-\(UUID())")
            .path
        return ["XDG_STATE_HOME": root + "/state", "XDG_CONFIG_HOME": root + "/config"]
    }()

    /// This process's environment with the isolation and `extra` on top.
    static func merged(_ extra: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(isolated) { $1 }.merging(extra) { $1 }
    }
}

/// A child process whose output is collected as it arrives.
final class Child: @unchecked Sendable {
    let process = Process()
    private let outBuffer = LockedData()
    private let errBuffer = LockedData()

    /// Keeps the write end of an unread stdout pipe open, for a reader that never reads.
    private var unreadStdout: Pipe?

    /// With `readStdout` false, stdout is a pipe that nobody reads (it fills at 64 KiB).
    init(_ arguments: [String], environment: [String: String] = [:], readStdout: Bool = true) throws {
        process.executableURL = URL(fileURLWithPath: Binary.hubtop)
        process.arguments = arguments
        process.environment = TestEnvironment.merged(environment)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let outBuffer = self.outBuffer
        let errBuffer = self.errBuffer
        if readStdout {
            out.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                outBuffer.append(data)
            }
        } else {
            unreadStdout = out
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            errBuffer.append(data)
        }
        try process.run()
    }

    var stdout: String { outBuffer.text }
    var stderr: String { errBuffer.text }

    /// The webhook URL hubtop printed at start.
    func webhookURL() async throws -> String {
        var found: String?
        try await eventually("the webhook URL on stderr", within: 60) {
            found =
                stderr.split(separator: "\n").compactMap { line -> String? in
                    guard let range = line.range(of: "http://") else { return nil }
                    return String(line[range.lowerBound...]).trimmingCharacters(in: .whitespaces)
                }.first
            return found != nil
        }
        return found!
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits with `waitpid` itself: Foundation learns of a child's exit from SIGCHLD, which the
    /// kernel may hand to a thread (this test process runs NIO event loops too) where it is lost.
    func waitForExit(within seconds: Double = 20) async throws -> Int32 {
        var code: Int32?
        try await eventually("process exit", within: seconds) {
            var status: Int32 = 0
            let result = waitpid(process.processIdentifier, &status, WNOHANG)
            if result == process.processIdentifier {
                code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            } else if result < 0 && errno == ECHILD && !process.isRunning {
                code = process.terminationStatus
            }
            return code != nil
        }
        exited = true
        return code!
    }

    private var exited = false

    deinit {
        if !exited && process.isRunning { process.terminate() }
    }
}

/// Fresh state and config folders (the environment that points hubtop at them), the path of
/// `config.toml` in them, and their root (to remove).
func stateAndConfigFolders(_ name: String) throws -> (
    environment: [String: String], config: String, root: String
) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-\(name)-\(UUID())").path
    try FileManager.default.createDirectory(
        atPath: root + "/config/hubtop", withIntermediateDirectories: true)
    return (
        ["XDG_STATE_HOME": root + "/state", "XDG_CONFIG_HOME": root + "/config"],
        root + "/config/hubtop/config.toml", root
    )
}

/// Runs hubtop to completion (for `send`) and returns its status and output. Spawned and reaped
/// here rather than with Foundation's Process, for the same SIGCHLD reason as `waitForExit`.
func runHubtop(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> (
    status: Int32, out: String, err: String
) {
    var input: [Int32] = [0, 0]
    var output: [Int32] = [0, 0]
    var errors: [Int32] = [0, 0]
    // Close-on-exec, so no other child spawned meanwhile inherits them (and holds a stdin open).
    guard closeOnExecPipe(&input), closeOnExecPipe(&output), closeOnExecPipe(&errors) else {
        throw Timeout(description: "pipe failed")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input[0], 0)
    posix_spawn_file_actions_adddup2(&actions, output[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
    // Nothing else of this process's (sockets of listeners running beside this test included).
    closeEverythingElse(&actions)
    let argv: [UnsafeMutablePointer<CChar>?] = ([Binary.hubtop] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let envp: [UnsafeMutablePointer<CChar>?] =
        TestEnvironment.merged(environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for pointer in envp { free(pointer) } }
    let spawned = posix_spawn(&pid, Binary.hubtop, &actions, nil, argv, envp)
    close(input[0])
    close(output[1])
    close(errors[1])
    guard spawned == 0 else { throw Timeout(description: "cannot start hubtop: \(spawned)") }
    if let stdin {
        let bytes = Array(stdin.utf8)
        _ = bytes.withUnsafeBytes { write(input[1], $0.baseAddress, $0.count) }
    }
    close(input[1])
    var collected: [[UInt8]] = [[], []]
    var open = [output[0], errors[0]]
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while open.contains(where: { $0 >= 0 }) {
        var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        if poll(&fds, 2, 30_000) <= 0 { break }
        for index in 0..<2 where open[index] >= 0 && fds[index].revents != 0 {
            let count = read(open[index], &chunk, chunk.count)
            if count > 0 {
                collected[index] += chunk[0..<count]
            } else {
                close(open[index])
                open[index] = -1
            }
        }
    }
    for fd in open where fd >= 0 { close(fd) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return (
        code, String(decoding: collected[0], as: UTF8.self), String(decoding: collected[1], as: UTF8.self)
    )
}

/// Bytes appended by a reader thread and read by the test.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ more: Data) {
        lock.lock()
        data.append(more)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
